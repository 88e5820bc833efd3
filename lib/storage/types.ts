import type { Readable } from "node:stream";

export interface ObjectInfo {
  size: number;
  contentType?: string;
}

export interface UploadTicket {
  url: string;
  method: "PUT";
  /** Headers the client must send with the PUT (they are part of the signature). */
  headers: Record<string, string>;
  expiresAt: Date;
}

/** One part of a multipart upload as the storage holds it. */
export interface StoredPart {
  partNumber: number;
  /** Without quotes, lower case (S3 answers `"…"`; we compare the bare value). */
  etag: string;
  size: number;
}

/** Where and how a client sends one part. */
export interface PartTicket {
  partNumber: number;
  url: string;
  /** Headers to send with the PUT, when the driver needs any. */
  headers?: Record<string, string>;
}

/**
 * Object storage as the product needs it. Bodies are always streams or files: never a whole object in
 * memory. Keys are slash-separated, relative (`uploads/…`, `rendered/…`).
 */
export interface Storage {
  readonly driver: "local" | "s3";
  /** A URL the end user's browser PUTs the file to directly. */
  createUploadUrl(
    key: string,
    options: { contentType: string; size: number; expiresInSec: number; baseUrl?: string },
  ): Promise<UploadTicket>;
  /** A short-lived URL to GET the object (range requests work, so video players can seek). */
  createDownloadUrl(
    key: string,
    options: { expiresInSec: number; downloadName?: string; baseUrl?: string },
  ): Promise<string>;
  /** Size and type, or null when the object does not exist. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Streams the object into `filePath`, reporting bytes written; the signal aborts the transfer. */
  downloadToFile(
    key: string,
    filePath: string,
    options?: { onProgress?: (bytes: number) => void; signal?: AbortSignal },
  ): Promise<void>;
  /** Uploads a local file; the object appears whole or not at all. */
  uploadFile(key: string, filePath: string, options: { contentType: string }): Promise<void>;
  /** Streams an object from any readable (used by the local driver's upload endpoint and by tests). */
  putStream(key: string, body: Readable, options: { contentType: string; size?: number }): Promise<void>;
  getStream(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
  /**
   * The keys of every object whose key starts with `prefix` (e.g. `work/<jobId>/`), in no particular
   * order, read a page at a time: for deleting what no row records (a split job's run ids).
   */
  listKeys(prefix: string): AsyncIterable<string>;

  // Multipart uploads (S3 semantics on both drivers): parts in any order, each retriable, nothing visible
  // under `key` until completeMultipart has assembled and checked every part.
  /** Starts a multipart upload of `key`; returns the driver's upload id. */
  createMultipart(key: string, options: { contentType: string }): Promise<string>;
  /** A URL the client PUTs part `partNumber` (exactly `size` bytes) to; its response carries the ETag. */
  createPartUrl(
    key: string,
    uploadId: string,
    part: { partNumber: number; size: number },
    options: { expiresInSec: number; baseUrl?: string },
  ): Promise<PartTicket>;
  /** The parts stored so far, by part number; throws MultipartNotFoundError when the upload is gone. */
  listParts(key: string, uploadId: string): Promise<StoredPart[]>;
  /** Assembles the parts (already checked by the caller) into `key`, atomically. */
  completeMultipart(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    options: { contentType: string },
  ): Promise<void>;
  /** Frees the parts; a no-op when the upload is already gone. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
}

/** The storage has no multipart upload with this id (aborted, swept, or never created). */
export class MultipartNotFoundError extends Error {
  constructor(readonly uploadId: string) {
    super(`multipart upload not found: ${uploadId}`);
    this.name = "MultipartNotFoundError";
  }
}

/** `"abc"` → `abc`: S3 quotes ETags in headers and XML; clients may send either form. */
export function bareEtag(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = "ObjectNotFoundError";
  }
}
