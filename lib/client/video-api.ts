import type { TranscriberCapabilities } from "../asr/capabilities";
import type { PublicJob } from "../video/job-status";

// The public video API as seen from a client: the browser pages (baseUrl "") and the CLI (an absolute
// base URL). Plain fetch only, so the same code runs in both.

export type { PublicJob, TranscriberCapabilities };

export interface UploadTicket {
  key: string;
  uploadUrl: string;
  method: "PUT";
  headers: Record<string, string>;
  expiresAt: string;
  maxBytes: number;
}

export interface ProcessOptions {
  /** "auto" or a two-letter language code. */
  language: string;
  burnIn: boolean;
}

export interface JobRef {
  id: string;
  status: string;
  statusUrl: string;
}

/**
 * A request the API refused (`code` and `message` are the server's public error) or that never reached
 * it (`code` "UNREACHABLE", `status` 0).
 */
export class ApiRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiRequestError";
  }
}

/** Asks for a signed upload URL; the server refuses non-video types (415) and files over its limit (413). */
export function requestUpload(
  baseUrl: string,
  file: { filename: string; contentType: string; size: number },
  signal?: AbortSignal,
): Promise<UploadTicket> {
  return callApi<UploadTicket>(`${baseUrl}/api/video/upload`, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(file),
  });
}

/** Queues the uploaded file; the same idempotency key always answers with the same job. */
export function startProcessing(
  baseUrl: string,
  key: string,
  options: ProcessOptions,
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<JobRef> {
  return callApi<JobRef>(`${baseUrl}/api/video/process`, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
    body: JSON.stringify({ key, language: options.language, burnIn: options.burnIn }),
  });
}

/** What the server's speech recogniser can do: the languages it accepts, detection, timing. */
export function fetchCapabilities(baseUrl: string, signal?: AbortSignal): Promise<TranscriberCapabilities> {
  return callApi<TranscriberCapabilities>(`${baseUrl}/api/capabilities`, { cache: "no-store", signal });
}

export function fetchJob(baseUrl: string, id: string, signal?: AbortSignal): Promise<PublicJob> {
  return callApi<PublicJob>(`${baseUrl}/api/video/job/${encodeURIComponent(id)}`, { cache: "no-store", signal });
}

async function callApi<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiRequestError("UNREACHABLE", "The server could not be reached.", 0, { cause: error });
  }
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as T;
}

/** The API's `{ error: { code, message } }`, or a generic error naming the HTTP status (storage, proxies). */
export async function errorFromResponse(response: Response): Promise<ApiRequestError> {
  const text = await response.text().catch(() => "");
  return errorFromBody(response.status, text);
}

export function errorFromBody(status: number, body: string): ApiRequestError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    if (typeof code === "string" && typeof message === "string") return new ApiRequestError(code, message, status);
  } catch {
    // not JSON: an S3 XML error, a proxy's HTML page…
  }
  return new ApiRequestError(`HTTP_${status}`, `The server answered with HTTP ${status}.`, status);
}

/**
 * A fresh Idempotency-Key. crypto.randomUUID exists only in secure contexts (https, localhost); a
 * self-hosted instance reached over plain http on a LAN address gets 128 random bits instead.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
