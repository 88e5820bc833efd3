import { ZodError, z } from "zod";
import { databaseUnavailableReason } from "../db-errors";
import { EnvError } from "../env/parse-env";
import { newRequestId } from "../ids";
import { logger } from "../logger";

// One error type for the public API, one code→status map, one wrapper for every route.

export const API_ERRORS = {
  INVALID_JSON: 400,
  VALIDATION_ERROR: 400,
  LANGUAGE_UNSUPPORTED: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPLOAD_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  LENGTH_REQUIRED: 411,
  INVALID_SIGNATURE: 403,
  URL_EXPIRED: 403,
  UNAUTHORIZED: 401,
  INVALID_API_KEY: 401,
  API_KEY_REQUIRED: 401,
  SUBMISSIONS_DISABLED: 403,
  INSUFFICIENT_SCOPE: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INPUT_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  INVALID_STATE: 409,
  /** The job's uploaded video was deleted (retention or purge): it cannot be retried or re-rendered. */
  INPUT_EXPIRED: 409,
  /** The job's files were deleted (status expired): its captions and downloads are gone. */
  JOB_EXPIRED: 410,
  /** A download URL whose file was deleted since (retention or purge). */
  FILE_DELETED: 410,
  UPLOAD_NOT_FOUND: 404,
  UPLOAD_EXPIRED: 410,
  UPLOAD_ABORTED: 410,
  PART_MISSING: 400,
  PART_ETAG_MISMATCH: 400,
  PART_SIZE_MISMATCH: 400,
  UPLOAD_INCOMPLETE: 400,
  RATE_LIMITED: 429,
  QUEUE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers that belong to the error (e.g. Retry-After on a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = API_ERRORS[code];
  }
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return Response.json({ error: { code, message, ...extra } }, { status, headers });
}

/**
 * Maps anything thrown to the public error shape. An unreachable Postgres is a 503 the client can retry
 * (like a Redis outage), not a bug; other unknown errors become a 500 with a request id, details only in the log.
 */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof ApiError) {
    return errorResponse(error.status, error.code, error.message, error.extra, error.headers);
  }
  const databaseDown = databaseUnavailableReason(error);
  if (databaseDown) {
    logger.warn({ reason: databaseDown }, "database unavailable");
    return errorResponse(503, "DATABASE_UNAVAILABLE", "The database is unavailable; try again in a moment.");
  }
  if (error instanceof ZodError) {
    const issues = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const first = issues[0];
    const message = first ? `${first.path || "body"}: ${first.message}` : "The request body is invalid.";
    return errorResponse(400, "VALIDATION_ERROR", message, { issues });
  }
  const requestId = newRequestId();
  if (error instanceof EnvError) logger.error({ requestId, err: error.message }, "server misconfigured");
  else logger.error({ requestId, err: error }, "unhandled error in API route");
  return errorResponse(500, "INTERNAL", "Something went wrong on our side.", { requestId });
}

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/** Wraps a route handler so every failure leaves as `{ error: { code, message } }`. */
export function withApiErrors<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

/** The largest JSON body a public route reads: the API's bodies are a few hundred bytes. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Reads a JSON body of at most `limit` bytes. An oversized body is a 413 PAYLOAD_TOO_LARGE, refused on
 * its Content-Length before a byte is read, or as soon as a chunked body passes the limit — it is never
 * buffered whole. Malformed JSON is a 400 INVALID_JSON, not a 500.
 */
export async function readJson(request: Request, limit = JSON_BODY_LIMIT_BYTES): Promise<unknown> {
  const tooLarge = () =>
    new ApiError("PAYLOAD_TOO_LARGE", `The request body is larger than ${limit / 1024} KiB.`, { maxBytes: limit });
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  const bytes = await readAtMost(request, limit);
  if (bytes === null) throw tooLarge();
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") throw new ApiError("INVALID_JSON", "The request body must be a JSON object.");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("INVALID_JSON", "The request body is not valid JSON.");
  }
}

/** The body of every public error (the OpenAPI document's `Error`). Some codes add fields (issues, limit, …). */
export const apiErrorBodySchema = z
  .object({
    error: z
      .object({
        code: z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]),
        message: z.string(),
      })
      .catchall(z.unknown()),
  })
  .strict()
  .meta({ id: "Error" });

/** The body's bytes, or null as soon as there are more than `limit` of them (the rest is never read). */
async function readAtMost(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
