import { createHash, randomBytes } from "node:crypto";
import { constants, createReadStream, createWriteStream, type Dirent } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { signParams, toQuery } from "./local-signature";
import {
  bareEtag,
  MultipartNotFoundError,
  type ObjectInfo,
  ObjectNotFoundError,
  type PartTicket,
  type Storage,
  type StoredPart,
  type UploadTicket,
} from "./types";

// Parts still arriving (a cancel while 4 are in flight) create temp files in a staging dir: removing it in
// place races with them (ENOTEMPTY, and the upload page's Cancel answered 500). The dir is first renamed out
// of reach (one atomic step: a part arriving after it finds no upload, MultipartNotFoundError), then removed.
const TRASH_PREFIX = ".trash-";

async function removeStagingDir(dir: string): Promise<void> {
  const trash = path.join(path.dirname(dir), `${TRASH_PREFIX}${path.basename(dir)}-${randomBytes(4).toString("hex")}`);
  try {
    await rename(dir, trash);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  // A part that opened its temp file just before the rename may still close it: rm retries on ENOTEMPTY.
  await rm(trash, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
}

/** Raised by putStream when the body is larger than the size that was declared and signed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body exceeds ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Raised by putPart when the body is shorter or longer than the part's signed size. */
export class PartSizeError extends Error {
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`part must be ${expected} bytes, got ${received}`);
    this.name = "PartSizeError";
  }
}

/** A stored part's file name: `<partNumber>.<md5 hex>`, so one rename publishes the bytes and their ETag together. */
const PART_FILE = /^(\d+)\.([0-9a-f]{32})$/;
const UPLOAD_ID = /^mp_[A-Za-z0-9_-]{22}$/;

/**
 * The embedded storage driver: objects are files under `<dataDir>/objects`, written to a temp file and
 * renamed into place so a reader never sees half an object. The app serves its signed URLs
 * (app/api/storage/*), so the end user's browser talks to it exactly as it would to S3.
 * Multipart uploads stage their parts under `<dataDir>/multipart/<uploadId>/`, outside `objects/`.
 */
export class LocalStorage implements Storage {
  readonly driver = "local" as const;
  private readonly root: string;
  private readonly metaRoot: string;
  private readonly tmpRoot: string;
  private readonly stagingRoot: string;

  constructor(
    dataDir: string,
    private readonly signingSecret: string,
  ) {
    const base = path.resolve(dataDir);
    this.root = path.join(base, "objects");
    this.metaRoot = path.join(base, "objects-meta");
    this.tmpRoot = path.join(base, "tmp");
    this.stagingRoot = path.join(base, "multipart");
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

  /**
   * A kernel-side copy (copy_file_range, or a reflink where the filesystem has them): ~5× faster than
   * streaming the bytes through Node, and still a file of its own, so nothing the worker does to its copy
   * can touch the stored object.
   */
  async downloadToFile(
    key: string,
    filePath: string,
    options?: { onProgress?: (bytes: number) => void; signal?: AbortSignal },
  ): Promise<void> {
    options?.signal?.throwIfAborted();
    const source = this.filePath(key);
    try {
      await stat(source);
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
    await copyFile(source, filePath, constants.COPYFILE_FICLONE);
    options?.signal?.throwIfAborted();
    options?.onProgress?.((await stat(filePath)).size);
  }

  /** A kernel-side copy, like downloadToFile. */
  async uploadFile(key: string, filePath: string, options: { contentType: string }): Promise<void> {
    await this.place(key, options.contentType, (tmp) => copyFile(filePath, tmp, constants.COPYFILE_FICLONE));
  }

  async putStream(key: string, body: Readable, options: { contentType: string; size?: number }): Promise<void> {
    const limit = options.size;
    let bytes = 0;
    const guard = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (limit !== undefined && bytes > limit) callback(new BodyTooLargeError(limit));
        else callback(null, chunk);
      },
    });
    await this.place(key, options.contentType, (tmp) => pipeline(body, guard, createWriteStream(tmp)));
  }

  /** Writes the object beside the store, then renames it into place: readers never see half a file. */
  private async place(key: string, contentType: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const target = this.filePath(key);
    await mkdir(this.tmpRoot, { recursive: true });
    const tmp = path.join(this.tmpRoot, `${randomBytes(8).toString("hex")}.part`);
    try {
      await write(tmp);
      await mkdir(path.dirname(target), { recursive: true });
      await mkdir(path.dirname(this.metaPath(key)), { recursive: true });
      await writeFile(this.metaPath(key), JSON.stringify({ contentType }));
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

  async *listKeys(prefix: string): AsyncIterable<string> {
    // The directory that holds every key with this prefix (the prefix may end mid-name: `work/ab`).
    const slash = prefix.lastIndexOf("/");
    const dir = slash < 0 ? this.root : this.filePath(prefix.slice(0, slash));
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const key = path.relative(this.root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
      if (key.startsWith(prefix)) yield key;
    }
  }

  private stagingDir(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new MultipartNotFoundError(uploadId);
    return path.join(this.stagingRoot, uploadId);
  }

  /** A stored part's path. A method rather than an inline path.join: Next's file tracer then leaves it alone. */
  private partFile(dir: string, partNumber: number, etag: string): string {
    return path.join(dir, `${partNumber}.${etag}`);
  }

  async createMultipart(key: string, _options: { contentType: string }): Promise<string> {
    this.filePath(key);
    const uploadId = `mp_${randomBytes(16).toString("base64url")}`;
    await mkdir(this.stagingDir(uploadId), { recursive: true });
    return uploadId;
  }

  async createPartUrl(
    key: string,
    uploadId: string,
    part: { partNumber: number; size: number },
    options: { expiresInSec: number; baseUrl?: string },
  ): Promise<PartTicket> {
    this.filePath(key);
    const exp = Math.floor(Date.now() / 1000) + options.expiresInSec;
    const params = { op: "part" as const, key, exp, size: part.size, upload: uploadId, part: part.partNumber };
    const query = toQuery(params, signParams(this.signingSecret, params));
    return { partNumber: part.partNumber, url: `${requireBase(options.baseUrl)}/api/storage/part?${query}` };
  }

  /**
   * Streams one part into the staging dir: hashed on the way (the ETag is its MD5, as on S3), written to a
   * temp file and renamed to `<n>.<md5>`, so a part cut off mid-body never counts and a resent part replaces
   * the earlier copy whole.
   */
  async putPart(uploadId: string, partNumber: number, body: Readable, size: number): Promise<string> {
    const dir = this.stagingDir(uploadId);
    if (!(await isDirectory(dir))) throw new MultipartNotFoundError(uploadId);
    const tmp = path.join(dir, `.tmp-${randomBytes(8).toString("hex")}`);
    const md5 = createHash("md5");
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        if (bytes > size) return callback(new PartSizeError(size, bytes));
        md5.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(tmp));
      if (bytes !== size) throw new PartSizeError(size, bytes);
      const etag = md5.digest("hex");
      await rename(tmp, this.partFile(dir, partNumber, etag));
      // A retry with different bytes (the first copy was from a changed file) leaves one copy: the newest.
      for (const name of await readdir(dir)) {
        const match = PART_FILE.exec(name);
        if (match && Number(match[1]) === partNumber && match[2] !== etag)
          await rm(path.join(dir, name), { force: true });
      }
      return etag;
    } catch (error) {
      if (isNotFound(error)) throw new MultipartNotFoundError(uploadId);
      throw error;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async listParts(_key: string, uploadId: string): Promise<StoredPart[]> {
    const dir = this.stagingDir(uploadId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isNotFound(error)) throw new MultipartNotFoundError(uploadId);
      throw error;
    }
    const parts = new Map<number, StoredPart & { mtimeMs: number }>();
    for (const name of names) {
      const match = PART_FILE.exec(name);
      if (!match) continue;
      const info = await stat(path.join(dir, name)).catch(() => null);
      if (!info) continue; // replaced by a concurrent retry of the same part
      const part = { partNumber: Number(match[1]), etag: match[2] ?? "", size: info.size, mtimeMs: info.mtimeMs };
      const other = parts.get(part.partNumber);
      if (!other || other.mtimeMs < part.mtimeMs) parts.set(part.partNumber, part);
    }
    return [...parts.values()]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map(({ partNumber, etag, size }) => ({ partNumber, etag, size }));
  }

  /** Streams the parts in order into one temp file and renames it into place: never the whole file in memory. */
  async completeMultipart(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    options: { contentType: string },
  ): Promise<void> {
    const dir = this.stagingDir(uploadId);
    const files = parts.map((p) => this.partFile(dir, p.partNumber, bareEtag(p.etag)));
    for (const file of files) {
      if (!(await stat(file).catch(() => null))) throw new MultipartNotFoundError(uploadId);
    }
    async function* concatenated() {
      for (const file of files) yield* createReadStream(file);
    }
    await this.putStream(key, Readable.from(concatenated()), { contentType: options.contentType });
    await removeStagingDir(dir);
  }

  async abortMultipart(_key: string, uploadId: string): Promise<void> {
    if (!UPLOAD_ID.test(uploadId)) return;
    await removeStagingDir(this.stagingDir(uploadId));
  }

  /**
   * The local driver's own sweep: removes staging dirs untouched for `maxAgeMs`, whatever Postgres says
   * (a plan whose row was lost must not hold disk space forever). Returns how many were removed.
   */
  async sweepStaging(maxAgeMs: number, now = Date.now()): Promise<number> {
    const names = await readdir(this.stagingRoot).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      // Left behind by a process that died between renaming a staging dir away and removing it.
      if (name.startsWith(TRASH_PREFIX)) await rm(path.join(this.stagingRoot, name), { recursive: true, force: true });
      if (!UPLOAD_ID.test(name)) continue;
      const dir = path.join(this.stagingRoot, name);
      const newest = await newestMtime(dir);
      if (newest !== null && now - newest > maxAgeMs) {
        await removeStagingDir(dir);
        removed += 1;
      }
    }
    return removed;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => null))?.isDirectory() ?? false;
}

/** The latest modification time of a directory or anything directly inside it (a part landing touches it). */
async function newestMtime(dir: string): Promise<number | null> {
  const info = await stat(dir).catch(() => null);
  if (!info) return null;
  let newest = info.mtimeMs;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const entry = await stat(path.join(dir, name)).catch(() => null);
    if (entry) newest = Math.max(newest, entry.mtimeMs);
  }
  return newest;
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
