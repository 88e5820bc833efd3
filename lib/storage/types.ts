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
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = "ObjectNotFoundError";
  }
}
