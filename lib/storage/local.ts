import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { signParams, toQuery } from "./local-signature";
import { type ObjectInfo, ObjectNotFoundError, type Storage, type UploadTicket } from "./types";

/** Raised by putStream when the body is larger than the size that was declared and signed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * The embedded storage driver: objects are files under `<dataDir>/objects`, written to a temp file and
 * renamed into place so a reader never sees half an object. The app serves its signed URLs
 * (app/api/storage/*), so the end user's browser talks to it exactly as it would to S3.
 */
export class LocalStorage implements Storage {
  readonly driver = "local" as const;
  private readonly root: string;
  private readonly metaRoot: string;
  private readonly tmpRoot: string;

  constructor(
    dataDir: string,
    private readonly signingSecret: string,
  ) {
    const base = path.resolve(dataDir);
    this.root = path.join(base, "objects");
    this.metaRoot = path.join(base, "objects-meta");
    this.tmpRoot = path.join(base, "tmp");
  }

  /** Absolute path of a key; refuses keys that would escape the root. */
  filePath(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw new Error(`invalid object key: ${key}`);
    return full;
  }

  private metaPath(key: string): string {
    return `${path.resolve(this.metaRoot, key)}.json`;
  }

  async createUploadUrl(
    key: string,
    options: { contentType: string; size: number; expiresInSec: number; baseUrl?: string },
  ): Promise<UploadTicket> {
    this.filePath(key);
    const exp = Math.floor(Date.now() / 1000) + options.expiresInSec;
    const params = { op: "put" as const, key, exp, size: options.size, contentType: options.contentType };
    const url = `${requireBase(options.baseUrl)}/api/storage/upload?${toQuery(params, signParams(this.signingSecret, params))}`;
    return { url, method: "PUT", headers: { "Content-Type": options.contentType }, expiresAt: new Date(exp * 1000) };
  }

  async createDownloadUrl(
    key: string,
    options: { expiresInSec: number; downloadName?: string; baseUrl?: string },
  ): Promise<string> {
    this.filePath(key);
    const exp = Math.floor(Date.now() / 1000) + options.expiresInSec;
    const params = { op: "get" as const, key, exp, name: options.downloadName };
    return `${requireBase(options.baseUrl)}/api/storage/download?${toQuery(params, signParams(this.signingSecret, params))}`;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await stat(this.filePath(key));
      if (!info.isFile()) return null;
      return { size: info.size, contentType: await this.readContentType(key) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  private async readContentType(key: string): Promise<string | undefined> {
    try {
      return (JSON.parse(await readFile(this.metaPath(key), "utf8")) as { contentType?: string }).contentType;
    } catch {
      return undefined;
    }
  }

  async downloadToFile(
    key: string,
    filePath: string,
    options?: { onProgress?: (bytes: number) => void; signal?: AbortSignal },
  ): Promise<void> {
    const source = await this.getStream(key);
    let bytes = 0;
    source.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      options?.onProgress?.(bytes);
    });
    await pipeline(source, createWriteStream(filePath), { signal: options?.signal });
  }

  async uploadFile(key: string, filePath: string, options: { contentType: string }): Promise<void> {
    await this.putStream(key, createReadStream(filePath), options);
  }

  async putStream(key: string, body: Readable, options: { contentType: string; size?: number }): Promise<void> {
    const target = this.filePath(key);
    await mkdir(this.tmpRoot, { recursive: true });
    const tmp = path.join(this.tmpRoot, `${randomBytes(8).toString("hex")}.part`);
    try {
      const limit = options.size;
      let bytes = 0;
      const guard = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          if (limit !== undefined && bytes > limit) callback(new BodyTooLargeError(limit));
          else callback(null, chunk);
        },
      });
      await pipeline(body, guard, createWriteStream(tmp));
      await mkdir(path.dirname(target), { recursive: true });
      await mkdir(path.dirname(this.metaPath(key)), { recursive: true });
      await writeFile(this.metaPath(key), JSON.stringify({ contentType: options.contentType }));
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async getStream(key: string): Promise<Readable> {
    const file = this.filePath(key);
    try {
      await stat(file);
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
    return createReadStream(file);
  }

  /** A byte range of the object, for the download endpoint's Range support. */
  async getRangeStream(key: string, start: number, end: number): Promise<Readable> {
    return createReadStream(this.filePath(key), { start, end });
  }

  async delete(key: string): Promise<void> {
    await rm(this.filePath(key), { force: true });
    await rm(this.metaPath(key), { force: true });
  }
}

/** The links' origin from lib/public-origin.ts; "" (no usable Host) makes them relative to the caller's page. */
function requireBase(baseUrl: string | undefined): string {
  if (baseUrl === undefined) throw new Error("the local storage driver needs a base URL (see lib/public-origin.ts)");
  return baseUrl.replace(/\/+$/, "");
}

/** ENOTDIR too: a key naming a path under an existing file (`uploads/x/clip.mp4/more`) is simply absent. */
function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
