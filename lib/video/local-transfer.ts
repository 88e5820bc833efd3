import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { BodyTooLargeError, LocalStorage, MultipartNotFoundError, PartSizeError } from "../storage";
import { fromQuery, verifyParams } from "../storage/local-signature";

// The local storage driver's endpoints: the signed PUT the browser uploads to, the signed PUT of one part of a
// multipart upload, and the signed GET (with Range support, so a <video> can seek) download URLs point at.

function localStorageOf(services: AppServices): { storage: LocalStorage; secret: string } {
  if (!(services.storage instanceof LocalStorage) || services.env.storage.driver !== "local") {
    throw new ApiError("NOT_FOUND", "Not found.");
  }
  return { storage: services.storage, secret: services.env.storage.signingSecret };
}

function verified(services: AppServices, op: "put" | "get" | "part", url: URL) {
  const { storage, secret } = localStorageOf(services);
  const parsed = fromQuery(op, url.searchParams);
  if (!parsed) throw new ApiError("INVALID_SIGNATURE", "The URL is not a valid signed URL.");
  const check = verifyParams(secret, parsed.params, parsed.sig);
  if (!check.ok) {
    throw check.reason === "expired"
      ? new ApiError("URL_EXPIRED", "The URL has expired; request a new one.")
      : new ApiError("INVALID_SIGNATURE", "The URL's signature does not match.");
  }
  return { storage, params: parsed.params };
}

/** Streams a signed PUT to disk; the object appears only once every byte arrived within the signed size. */
export async function receiveLocalUpload(services: AppServices, request: Request): Promise<Response> {
  const { storage, params } = verified(services, "put", new URL(request.url));
  const limit = params.size ?? 0;
  const contentType = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (params.contentType && contentType !== params.contentType) {
    throw new ApiError("INVALID_SIGNATURE", `Content-Type must be "${params.contentType}", as signed.`);
  }
  // Like S3's PutObject, a Content-Length is required. Node's HTTP parser holds the body to it, so a length
  // within the limit cannot overflow; a chunked body that overflowed would have to be cut off mid-stream,
  // and Next 16's request adapter turns every chunk arriving after that into an uncaughtException.
  const declaredHeader = request.headers.get("content-length");
  if (declaredHeader === null) {
    throw new ApiError("LENGTH_REQUIRED", "The upload must be sent with a Content-Length header.");
  }
  if (Number(declaredHeader) > limit) {
    throw new ApiError("UPLOAD_TOO_LARGE", `The body is larger than the ${limit} bytes this URL allows.`);
  }
  if (!request.body) throw new ApiError("VALIDATION_ERROR", "The request has no body.");
  try {
    const body = Readable.fromWeb(request.body as unknown as WebReadableStream<Uint8Array>);
    await storage.putStream(params.key, body, {
      contentType: params.contentType ?? "application/octet-stream",
      size: limit,
    });
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new ApiError("UPLOAD_TOO_LARGE", `The body is larger than the ${limit} bytes this URL allows.`);
    }
    throw error;
  }
  return new Response(null, { status: 200 });
}

/**
 * Streams one signed part into the upload's staging dir and answers with its ETag, as S3's UploadPart does.
 * The body must be exactly the signed size; a body cut off mid-way stores nothing, so the part is simply sent again.
 */
export async function receiveLocalPart(services: AppServices, request: Request): Promise<Response> {
  const { storage, params } = verified(services, "part", new URL(request.url));
  const size = params.size ?? 0;
  const declaredHeader = request.headers.get("content-length");
  if (declaredHeader === null) {
    throw new ApiError("LENGTH_REQUIRED", "The part must be sent with a Content-Length header.");
  }
  const declared = Number(declaredHeader);
  if (declared > size) throw new ApiError("UPLOAD_TOO_LARGE", `The part is larger than its ${size} bytes.`);
  if (declared !== size) {
    throw new ApiError("PART_SIZE_MISMATCH", `Part ${params.part} must be exactly ${size} bytes (got ${declared}).`);
  }
  if (!request.body) throw new ApiError("VALIDATION_ERROR", "The request has no body.");
  try {
    const body = Readable.fromWeb(request.body as unknown as WebReadableStream<Uint8Array>);
    const etag = await storage.putPart(params.upload ?? "", params.part ?? 0, body, size);
    // Browsers hide response headers from scripts unless exposed (matters when the page and APP_URL differ).
    return new Response(null, {
      status: 200,
      headers: { ETag: `"${etag}"`, "Access-Control-Expose-Headers": "ETag" },
    });
  } catch (error) {
    if (error instanceof MultipartNotFoundError) {
      throw new ApiError("UPLOAD_NOT_FOUND", "This upload no longer exists (canceled or expired).");
    }
    if (error instanceof PartSizeError) {
      throw new ApiError("PART_SIZE_MISMATCH", `Part ${params.part} must be exactly ${size} bytes.`);
    }
    // The client went away mid-body (a dropped link, a closed tab): nothing was stored, and the part is
    // simply sent again. A client error, not a server fault to log as one.
    if (
      request.signal.aborted ||
      (error as NodeJS.ErrnoException)?.code === "ECONNRESET" ||
      (error as Error)?.message === "aborted"
    ) {
      throw new ApiError("UPLOAD_INCOMPLETE", `The connection closed before part ${params.part} was complete.`);
    }
    throw error;
  }
}

/** Serves a signed GET, honouring a single `Range: bytes=a-b`. */
export async function serveLocalDownload(services: AppServices, request: Request): Promise<Response> {
  const { storage, params } = verified(services, "get", new URL(request.url));
  const info = await storage.head(params.key);
  // The URL was valid (signed, not expired), so the file existed: it was deleted since (retention or purge).
  if (!info) throw new ApiError("FILE_DELETED", "This file was deleted (the job expired or was purged).");
  const headers = new Headers({
    "Content-Type": info.contentType ?? "application/octet-stream",
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, max-age=300",
    // Files come from users: never let a browser sniff one into HTML or run anything from it on our origin.
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
  });
  if (params.name) {
    headers.set("Content-Disposition", `inline; filename="${params.name.replace(/["\\\r\n]/g, "_")}"`);
  }
  const range = parseRange(request.headers.get("range"), info.size);
  if (range === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${info.size}`);
    return new Response(null, { status: 416, headers });
  }
  const [start, end] = range ?? [0, info.size - 1];
  headers.set("Content-Length", String(Math.max(0, end - start + 1)));
  if (range) headers.set("Content-Range", `bytes ${start}-${end}/${info.size}`);
  if (request.method === "HEAD" || info.size === 0) return new Response(null, { status: range ? 206 : 200, headers });
  const stream = await storage.getRangeStream(params.key, start, end);
  return new Response(Readable.toWeb(stream) as unknown as ReadableStream, { status: range ? 206 : 200, headers });
}

function parseRange(header: string | null, size: number): [number, number] | "unsatisfiable" | null {
  const match = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!match) return null;
  const [, a, b] = match;
  if (a === "" && b === "") return null;
  let start: number;
  let end: number;
  if (a === "") {
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return [start, end];
}
