import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BodyTooLargeError, LocalStorage } from "./local";
import { ObjectNotFoundError } from "./types";

// What only the local driver promises (the behaviour it shares with s3 is in tests/storage): keys stay
// inside the data dir, and an upload over its size limit leaves nothing behind.

let dataDir: string;
let storage: LocalStorage;

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), "captioner-local-storage-"));
  storage = new LocalStorage(dataDir, "a-signing-secret-of-some-length");
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const leftoverTempFiles = () => (existsSync(path.join(dataDir, "tmp")) ? readdirSync(path.join(dataDir, "tmp")) : []);

describe("LocalStorage", () => {
  test.each(["../outside.mp4", "uploads/../../outside.mp4", "/etc/passwd"])("refuses the key %j", async (key) => {
    await expect(storage.head(key)).rejects.toThrow("invalid object key");
    await expect(
      storage.putStream(key, Readable.from([Buffer.from("x")]), { contentType: "video/mp4" }),
    ).rejects.toThrow("invalid object key");
    await expect(
      storage.createUploadUrl(key, { contentType: "video/mp4", size: 1, expiresInSec: 60, baseUrl: "http://a" }),
    ).rejects.toThrow("invalid object key");
  });

  test("a body over the size limit fails with BodyTooLargeError and leaves no object and no temp file", async () => {
    const key = "uploads/abc/too-big.mp4";
    const body = Readable.from([randomBytes(600), randomBytes(600)]);
    await expect(storage.putStream(key, body, { contentType: "video/mp4", size: 1000 })).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
    expect(await storage.head(key)).toBeNull();
    expect(leftoverTempFiles()).toEqual([]);
  });

  test("a failed overwrite keeps the previous object intact", async () => {
    const key = "uploads/abc/kept.mp4";
    const original = randomBytes(500);
    await storage.putStream(key, Readable.from([original]), { contentType: "video/mp4" });
    const failing = Readable.from([randomBytes(2000)]);
    await expect(storage.putStream(key, failing, { contentType: "video/webm", size: 1000 })).rejects.toThrow();
    expect(await storage.head(key)).toEqual({ size: 500, contentType: "video/mp4" });
    expect(leftoverTempFiles()).toEqual([]);
  });

  test("URLs need a base URL decided by the caller; an empty one (no usable Host) gives a relative link", async () => {
    await expect(storage.createDownloadUrl("rendered/x.mp4", { expiresInSec: 60 })).rejects.toThrow("base URL");
    const relative = await storage.createDownloadUrl("rendered/x.mp4", { expiresInSec: 60, baseUrl: "" });
    expect(relative).toMatch(/^\/api\/storage\/download\?key=rendered%2Fx\.mp4&/);
  });

  test("a key naming a path under an existing file (ENOTDIR) is simply not found", async () => {
    const file = "uploads/enotdir/clip.mp4";
    await storage.putStream(file, Readable.from([randomBytes(10)]), { contentType: "video/mp4" });
    expect(await storage.head(`${file}/more.mp4`)).toBeNull();
    await expect(storage.getStream(`${file}/more.mp4`)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  test("aborting an upload while its parts are still arriving succeeds and leaves no staging dir", async () => {
    // Parts keep creating temp files in the staging dir while the abort empties it: the removal must not
    // give up with ENOTEMPTY (the upload page's Cancel would answer 500 and the plan would stay open).
    for (let round = 0; round < 30; round++) {
      const key = `uploads/abort-${round}/clip.mp4`;
      const uploadId = await storage.createMultipart(key, { contentType: "video/mp4" });
      let sending = true;
      const writers = Array.from({ length: 4 }, async (_, i) => {
        for (let partNumber = i + 1; sending; partNumber += 4) {
          await storage.putPart(uploadId, partNumber, Readable.from([randomBytes(64)]), 64).catch(() => {});
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 2));
      await expect(storage.abortMultipart(key, uploadId)).resolves.toBeUndefined();
      sending = false;
      await Promise.all(writers);
      await expect(storage.listParts(key, uploadId)).rejects.toThrow();
      expect(readdirSync(path.join(dataDir, "multipart")).filter((name) => name.includes(uploadId))).toEqual([]);
    }
  });
});
