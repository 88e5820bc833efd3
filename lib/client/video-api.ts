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
  /** Present on the request that created the job only: the submitter's key to edit its captions. */
  manageToken?: string;
}

const MANAGE_TOKEN_KEY = (jobId: string) => `captioner:manage-token:${jobId}`;

/** Keeps a job's manage token in this browser (localStorage), so its page can offer editing later. */
export function rememberManageToken(jobId: string, token: string): void {
  try {
    localStorage.setItem(MANAGE_TOKEN_KEY(jobId), token);
  } catch {
    // storage disabled (private mode, quota): editing then needs the token from elsewhere
  }
}

/** The manage token this browser kept for a job, if any. */
export function recalledManageToken(jobId: string): string | null {
  try {
    return localStorage.getItem(MANAGE_TOKEN_KEY(jobId));
  } catch {
    return null;
  }
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

/** A cue as GET/PUT /api/video/job/:id/captions carry it: `text` lines joined by "\n". */
export interface EditableCue {
  start: number;
  end: number;
  text: string;
}

export interface JobCaptions {
  version: number;
  cues: EditableCue[];
  versions: { version: number; source: string; createdAt: string; rendered: boolean }[];
}

export function fetchCaptions(baseUrl: string, id: string, signal?: AbortSignal): Promise<JobCaptions> {
  return callApi<JobCaptions>(`${baseUrl}/api/video/job/${encodeURIComponent(id)}/captions`, {
    cache: "no-store",
    signal,
  });
}

/** Problems of each refused cue (index as sent) when a save is refused with VALIDATION_ERROR. */
export class CaptionRulesError extends ApiRequestError {
  constructor(
    message: string,
    readonly cues: { index: number; problems: string[] }[],
  ) {
    super("VALIDATION_ERROR", message, 400);
  }
}

/**
 * Saves edited captions as the next version (the job re-renders them); throws CaptionRulesError per cue.
 * Without a manage token the request relies on the console's session cookie (admins).
 */
export async function saveCaptions(
  baseUrl: string,
  id: string,
  manageToken: string | null,
  body: { version: number; cues: EditableCue[] },
): Promise<{ version: number }> {
  const response = await fetch(`${baseUrl}/api/video/job/${encodeURIComponent(id)}/captions`, {
    method: "PUT",
    headers: {
      "Content-Type": "application/json",
      ...(manageToken ? { Authorization: `Bearer ${manageToken}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (response.ok) return (await response.json()) as { version: number };
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as {
      error?: { message?: string; cues?: { index: number; problems: string[] }[] };
    };
    if (response.status === 400 && error?.cues) throw new CaptionRulesError(error.message ?? "", error.cues);
  } catch (error) {
    if (error instanceof CaptionRulesError) throw error;
  }
  throw errorFromBody(response.status, text);
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
