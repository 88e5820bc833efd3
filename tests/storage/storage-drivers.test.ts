import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalStorage, ObjectNotFoundError, S3Storage, type Storage } from "../../lib/storage";
import { startS3Server } from "../support/s3-server";
import { startStack } from "../support/stack";
import { hashStream, seededByteStream } from "./seeded-bytes";

// One behavioural suite, run against each driver. The local driver's signed URLs are served by the app
// (app/api/storage/*), so it runs beside a real `next start` sharing its data dir and signing secret.

interface DriverUnderTest {
  storage: Storage;
  /** Where the local driver's URLs point (ignored by the s3 driver). */
  baseUrl: string;
  stop(): Promise<void>;
}

const drivers: { name: string; start(): Promise<DriverUnderTest> }[] = [
  {
    name: "local driver (LocalStorage on a temp dir, URLs served by next start)",
    async start() {
      const stack = await startStack({ worker: false });
      const secret = stack.env.STORAGE_SIGNING_SECRET ?? "";
      return { storage: new LocalStorage(stack.dataDir, secret), baseUrl: stack.baseUrl, stop: () => stack.stop() };
    },
  },
  {
    name: "s3 driver against a local S3-compatible server (s3rver, not R2)",
    async start() {
      const server = await startS3Server();
      return { storage: new S3Storage(server.config), baseUrl: server.endpoint, stop: () => server.stop() };
    },
  },
];

const newKey = (name: string) => `uploads/${randomBytes(9).toString("base64url")}/${name}`;
const bytes = (size: number) => randomBytes(size);

async function readAll(storage: Storage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.getStream(key)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe.each(drivers)("$name", (driver) => {
  let under: DriverUnderTest;
  let storage: Storage;
  let scratch: string;

  beforeAll(async () => {
    under = await driver.start();
    storage = under.storage;
    scratch = mkdtempSync(path.join(tmpdir(), "captioner-storage-test-"));
  });
  afterAll(async () => {
    await under?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test("head of a missing object is null and reading it throws ObjectNotFoundError", async () => {
    const key = newKey("missing.mp4");
    expect(await storage.head(key)).toBeNull();
    await expect(storage.getStream(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  test("putStream then head and getStream return the same bytes and content type", async () => {
    const key = newKey("clip.mp4");
    const body = bytes(70_000);
    await storage.putStream(key, Readable.from([body.subarray(0, 30_000), body.subarray(30_000)]), {
      contentType: "video/mp4",
    });
    expect(await storage.head(key)).toEqual({ size: body.length, contentType: "video/mp4" });
    expect((await readAll(storage, key)).equals(body)).toBe(true);
  });

  test("uploadFile then downloadToFile round-trips a file and reports progress up to its size", async () => {
    const key = newKey("captions.vtt");
    const source = path.join(scratch, `${randomBytes(4).toString("hex")}-in.vtt`);
    const target = path.join(scratch, `${randomBytes(4).toString("hex")}-out.vtt`);
    const body = Buffer.concat([Buffer.from("WEBVTT\n\n"), bytes(200_000)]);
    writeFileSync(source, body);
    await storage.uploadFile(key, source, { contentType: "text/vtt" });
    const progress: number[] = [];
    await storage.downloadToFile(key, target, { onProgress: (n) => progress.push(n) });
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(progress.at(-1)).toBe(body.length);
    expect(await storage.head(key)).toEqual({ size: body.length, contentType: "text/vtt" });
  });

  test("downloadToFile of a missing object says so (the worker's INPUT_MISSING) and writes no file", async () => {
    const target = path.join(scratch, `${randomBytes(4).toString("hex")}-missing.mp4`);
    await expect(storage.downloadToFile(newKey("never-uploaded.mp4"), target)).rejects.toBeInstanceOf(
      ObjectNotFoundError,
    );
    expect(existsSync(target)).toBe(false);
  });

  test("delete removes the object, and deleting a missing object is not an error", async () => {
    const key = newKey("gone.mp4");
    await storage.putStream(key, Readable.from([bytes(1000)]), { contentType: "video/mp4" });
    expect(await storage.head(key)).not.toBeNull();
    await storage.delete(key);
    expect(await storage.head(key)).toBeNull();
    await expect(storage.getStream(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  test("listKeys finds every object under a prefix (nested runs too), nothing beside it, and [] for none", async () => {
    // The shape of a split job's work files (lib/jobs/job-objects.ts lists them to delete them).
    const job = `job_${randomBytes(6).toString("hex")}`;
    const inside = [`work/${job}/runA/seg-0.mp4`, `work/${job}/runA/plan.json`, `work/${job}/runB/audio-1.wav`];
    // A job whose id starts with the first one's, and an output named after the job: neither is its work.
    const beside = [`work/${job}x/runA/seg-0.mp4`, `rendered/${job}-1.mp4`];
    for (const key of [...inside, ...beside]) {
      await storage.putStream(key, Readable.from([bytes(100)]), { contentType: "application/octet-stream" });
    }
    const list = async (prefix: string) => {
      const keys: string[] = [];
      for await (const key of storage.listKeys(prefix)) keys.push(key);
      return keys.sort();
    };
    expect(await list(`work/${job}/`)).toEqual([...inside].sort());
    expect(await list(`work/${job}/runB/`)).toEqual([`work/${job}/runB/audio-1.wav`]);
    expect(await list(`work/${job}`)).toEqual([...inside, beside[0]].sort());
    expect(await list(`work/no-such-${job}/`)).toEqual([]);
    for (const key of inside) await storage.delete(key);
    expect(await list(`work/${job}/`)).toEqual([]);
    expect(await list(`work/${job}x/`)).toEqual([beside[0]]);
  });

  test("a presigned PUT from createUploadUrl, sent with plain fetch, stores the body exactly", async () => {
    const key = newKey("from-browser.webm");
    const body = bytes(123_457);
    const ticket = await storage.createUploadUrl(key, {
      contentType: "video/webm",
      size: body.length,
      expiresInSec: 300,
      baseUrl: under.baseUrl,
    });
    expect(ticket.method).toBe("PUT");
    expect(ticket.expiresAt.getTime()).toBeGreaterThan(Date.now() + 250_000);
    const res = await fetch(ticket.url, { method: "PUT", headers: ticket.headers, body });
    expect(res.status).toBe(200);
    expect(await storage.head(key)).toEqual({ size: body.length, contentType: "video/webm" });
    expect((await readAll(storage, key)).equals(body)).toBe(true);
  });

  test("createDownloadUrl works with plain fetch, names the file, and honours a Range request", async () => {
    const key = newKey("rendered.mp4");
    const body = bytes(50_000);
    await storage.putStream(key, Readable.from([body]), { contentType: "video/mp4" });
    const url = await storage.createDownloadUrl(key, {
      expiresInSec: 300,
      downloadName: "holiday.captioned.mp4",
      baseUrl: under.baseUrl,
    });

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(whole.headers.get("content-disposition")).toContain('filename="holiday.captioned.mp4"');
    expect(Buffer.from(await whole.arrayBuffer()).equals(body)).toBe(true);

    const part = await fetch(url, { headers: { Range: "bytes=1000-1999" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 1000-1999/${body.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(body.subarray(1000, 2000))).toBe(true);
  });

  test("a 50 MiB object streams up and down with identical bytes (sha256 computed while streaming)", async () => {
    const key = newKey("large.mp4");
    const size = 50 * 1024 * 1024;
    const source = seededByteStream(size, 20_240_601);
    await storage.putStream(key, source.stream, { contentType: "video/mp4" });
    const sentSha256 = source.digest();
    expect(await storage.head(key)).toEqual({ size, contentType: "video/mp4" });
    const received = await hashStream(await storage.getStream(key));
    expect(received).toEqual({ sha256: sentSha256, size });
    await storage.delete(key);
  });
});

describe("s3rver test server", () => {
  test("answers a browser's CORS preflight for a PUT from any origin", async () => {
    const server = await startS3Server();
    try {
      const res = await fetch(`${server.endpoint}/${server.bucket}/uploads/x/clip.mp4`, {
        method: "OPTIONS",
        headers: {
          Origin: "https://captioner.example",
          "Access-Control-Request-Method": "PUT",
          "Access-Control-Request-Headers": "content-type",
        },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toMatch(/^(\*|https:\/\/captioner\.example)$/);
      expect(res.headers.get("access-control-allow-methods")).toContain("PUT");
    } finally {
      await server.stop();
    }
  });
});
