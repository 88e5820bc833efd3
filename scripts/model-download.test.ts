import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../tests/support/stack";
import { testWhisperModel } from "../tests/support/test-whisper-model";
import { DownloadError, downloadModel, MODEL_SHA1 } from "./model-download";

// The model host (Hugging Face) cannot be reached from here: these tests run the real downloader against
// a local HTTP server that serves a generated ggml model with Range support, like the real host does.

let model: Buffer;
let sha1: string;
let server: Server;
let baseUrl: string;
let dir: string;
/** Range headers the server saw, and a byte count after which the next response is cut (once). */
const seenRanges: (string | undefined)[] = [];
let cutAfter: number | null = null;

beforeAll(async () => {
  model = await readFile(await testWhisperModel());
  sha1 = createHash("sha1").update(model).digest("hex");
  dir = await mkdtemp(path.join(tmpdir(), "model-download-"));
  server = createServer((req, res) => {
    if (req.url !== "/ggml-test.en.bin") {
      res.writeHead(404).end("Entry not found");
      return;
    }
    seenRanges.push(req.headers.range);
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const from = match ? Number(match[1]) : 0;
    if (from >= model.length) {
      res.writeHead(416, { "content-range": `bytes */${model.length}` }).end();
      return;
    }
    const body = model.subarray(from);
    res.writeHead(match ? 206 : 200, {
      "content-length": String(body.length),
      "accept-ranges": "bytes",
      ...(match ? { "content-range": `bytes ${from}-${model.length - 1}/${model.length}` } : {}),
    });
    if (cutAfter !== null) {
      const cut = cutAfter;
      cutAfter = null;
      res.write(body.subarray(0, cut), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    res.end(body);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("model:download against a local Range-capable server serving a generated model", () => {
  it("a download cut midway keeps its .part, and the next run resumes with Range, verifies and installs it", async () => {
    const target = await mkdtemp(path.join(dir, "resume-"));
    seenRanges.length = 0;
    cutAfter = 3_000_000;
    const first = await downloadModel({ name: "test.en", sha1, dir: target, baseUrl }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DownloadError);
    expect((first as Error).message).toMatch(
      /connection .* was lost.*kept in .*ggml-test\.en\.bin\.part.*run the same command again to resume/,
    );
    expect(existsSync(path.join(target, "ggml-test.en.bin"))).toBe(false);
    const kept = (await stat(path.join(target, "ggml-test.en.bin.part"))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(model.length);

    const progress: number[] = [];
    const second = await downloadModel({
      name: "test.en",
      sha1,
      dir: target,
      baseUrl,
      onProgress: ({ received }) => progress.push(received),
    });
    expect(seenRanges).toEqual([undefined, `bytes=${kept}-`]);
    expect(second).toMatchObject({ existed: false, resumedFrom: kept, bytes: model.length });
    // Buffer.equals: vitest's deep equality walks an 8 MB buffer byte by byte for minutes.
    expect((await readFile(second.path)).equals(model)).toBe(true);
    expect(existsSync(`${second.path}.part`)).toBe(false);
    expect(progress[0]).toBeGreaterThan(kept);
    expect(progress.at(-1)).toBe(model.length);

    // Run again: the verified file is kept, nothing is fetched.
    const third = await downloadModel({ name: "test.en", sha1, dir: target, baseUrl });
    expect(third.existed).toBe(true);
    expect(seenRanges).toHaveLength(2);
  });

  it("a file whose checksum is wrong is refused: no model appears and no part is left to resume", async () => {
    const target = await mkdtemp(path.join(dir, "checksum-"));
    const wrong = "0".repeat(40);
    await expect(downloadModel({ name: "test.en", sha1: wrong, dir: target, baseUrl })).rejects.toThrow(
      new RegExp(`Checksum mismatch for test\\.en: expected SHA-1 ${wrong}, got ${sha1}.*no model was installed`),
    );
    expect(existsSync(path.join(target, "ggml-test.en.bin"))).toBe(false);
    expect(existsSync(path.join(target, "ggml-test.en.bin.part"))).toBe(false);
  });

  it("an unreachable host gives a clear offline message and writes nothing", async () => {
    const target = await mkdtemp(path.join(dir, "offline-"));
    const closedPort = await freePort();
    await expect(
      downloadModel({ name: "test.en", sha1, dir: target, baseUrl: `http://127.0.0.1:${closedPort}` }),
    ).rejects.toThrow(
      /Cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): this machine looks offline.*Nothing was written.*WHISPER_MODEL_PATH/,
    );
    expect(existsSync(path.join(target, "ggml-test.en.bin"))).toBe(false);
    expect(existsSync(path.join(target, "ggml-test.en.bin.part"))).toBe(false);
  });

  it("a model the host does not have is a clear error naming the status", async () => {
    const target = await mkdtemp(path.join(dir, "missing-"));
    await expect(downloadModel({ name: "nope", sha1, dir: target, baseUrl })).rejects.toThrow(/answered 404/);
  });

  it("knows whisper.cpp's published checksums for the usual models", () => {
    expect(MODEL_SHA1["base.en"]).toBe("137c40403d78fd54d454da0f9bd998f78703390c");
    for (const value of Object.values(MODEL_SHA1)) expect(value).toMatch(/^[0-9a-f]{40}$/);
  });
});
