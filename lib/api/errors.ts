import { ZodError } from "zod";
import { databaseUnavailableReason } from "../db-errors";
import { EnvError } from "../env/parse-env";
import { newRequestId } from "../ids";
import { logger } from "../logger";

// One error type for the public API, one code→status map, one wrapper for every route.

export const API_ERRORS = {
  INVALID_JSON: 400,
  VALIDATION_ERROR: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPLOAD_TOO_LARGE: 413,
  LENGTH_REQUIRED: 411,
  INVALID_SIGNATURE: 403,
  URL_EXPIRED: 403,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INPUT_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  INVALID_STATE: 409,
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
  ) {
    super(message);
    this.name = "ApiError";
    this.status = API_ERRORS[code];
  }
}

export function errorResponse(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return Response.json({ error: { code, message, ...extra } }, { status });
}

/**
 * Maps anything thrown to the public error shape. An unreachable Postgres is a 503 the client can retry
 * (like a Redis outage), not a bug; other unknown errors become a 500 with a request id, details only in the log.
 */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof ApiError) return errorResponse(error.status, error.code, error.message, error.extra);
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

/** Reads a JSON body; malformed JSON is a 400 INVALID_JSON, not a 500. */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") throw new ApiError("INVALID_JSON", "The request body must be a JSON object.");
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("INVALID_JSON", "The request body is not valid JSON.");
  }
}
