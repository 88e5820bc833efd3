// Single PUT vs parallel parts over a slow link, run on demand: `npx tsx bench/upload.ts [MB] [parts in flight]`.
// The link is this benchmark's own throttling proxy on loopback (tests/support/throttle-proxy.ts): 20 ms
// one-way latency and 50 Mbit/s per connection, which is how most uplinks behave (a per-flow cap, not a
// shared pipe). Storage is s3rver behind the proxy, driven through the s3 driver's presigned URLs (the same
// URLs the page and the CLI get), with the CLI's own part sender. Prints both times and their ratio.
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { filePartSender } from "../lib/client/file-part-sender";
import { S3Storage } from "../lib/storage";
import { hashStream } from "../tests/storage/seeded-bytes";
import { startS3Server } from "../tests/support/s3-server";
import { startThrottleProxy } from "../tests/support/throttle-proxy";

const MiB = 1024 * 1024;
const LINK = { latencyMs: 20, bytesPerSec: (50 * 1000 * 1000) / 8 };
const PART_SIZE = 8 * MiB;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main() {
  const megabytes = Number(process.argv[2] ?? 64);
  const inFlight = Number(process.argv[3] ?? 4);
  const size = megabytes * MiB;
  const dir = await mkdtemp(path.join(tmpdir(), "captioner-bench-upload-"));
  const s3 = await startS3Server();
  const proxy = await startThrottleProxy({ ...LINK, targetPort: Number(new URL(s3.endpoint).port) });
  const storage = new S3Storage({ ...s3.config, endpoint: proxy.url });
  try {
    const file = path.join(dir, "input.mp4");
    await pipeline(
      (async function* () {
        for (let made = 0; made < size; made += MiB) yield randomBytes(Math.min(MiB, size - made));
      })(),
      createWriteStream(file),
    );

    const single = await timed(async () => {
      const ticket = await storage.createUploadUrl("uploads/bench/single.mp4", {
        contentType: "video/mp4",
        size,
        expiresInSec: 600,
      });
      const response = await fetch(ticket.url, {
        method: "PUT",
        headers: { ...ticket.headers, "Content-Length": String(size) },
        body: Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>,
        duplex: "half",
      } as RequestInit);
      if (!response.ok) throw new Error(`single PUT: HTTP ${response.status}`);
    });

    const parts = await timed(async () => {
      const key = "uploads/bench/parts.mp4";
      const uploadId = await storage.createMultipart(key, { contentType: "video/mp4" });
      const count = Math.ceil(size / PART_SIZE);
      const queue = Array.from({ length: count }, (_, i) => i + 1);
      const etags: { partNumber: number; etag: string }[] = [];
      const send = filePartSender(file, { stallMs: 60_000 });
      const signal = new AbortController().signal;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
            const range = { start: (n - 1) * PART_SIZE, end: Math.min(size, n * PART_SIZE) };
            const ticket = await storage.createPartUrl(
              key,
              uploadId,
              { partNumber: n, size: range.end - range.start },
              { expiresInSec: 600 },
            );
            etags.push({ partNumber: n, etag: await send(ticket, range, () => {}, signal) });
          }
        }),
      );
      await storage.completeMultipart(
        key,
        uploadId,
        etags.sort((a, b) => a.partNumber - b.partNumber),
        { contentType: "video/mp4" },
      );
      const info = await storage.head(key);
      if (info?.size !== size) throw new Error(`assembled ${info?.size} bytes, expected ${size}`);
    });
    // Both uploads must have stored exactly the file: a fast wrong answer is no answer.
    const expected = (await hashStream(createReadStream(file))).sha256;
    for (const key of ["uploads/bench/single.mp4", "uploads/bench/parts.mp4"]) {
      if ((await hashStream(await storage.getStream(key))).sha256 !== expected)
        throw new Error(`${key} differs from the file`);
    }

    const link = `${LINK.latencyMs} ms, ${(LINK.bytesPerSec * 8) / 1e6} Mbit/s per connection`;
    console.log(`upload of ${megabytes} MiB over a throttled loopback link (${link}):`);
    console.log(
      `  single PUT              ${(single / 1000).toFixed(2)} s  ${((size / single) * 8e-3).toFixed(1)} Mbit/s`,
    );
    console.log(
      `  ${inFlight} parts in flight (${PART_SIZE / MiB} MiB) ${(parts / 1000).toFixed(2)} s  ${((size / parts) * 8e-3).toFixed(1)} Mbit/s`,
    );
    console.log(`  ratio single / parallel ${(single / parts).toFixed(2)}×`);
  } finally {
    await proxy.close();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
