import { sleep } from "./poll-job";
import { ApiRequestError, errorFromResponse, requestUpload, type UploadTicket } from "./video-api";

// Sends a multipart upload plan (POST /api/video/upload with multipart): up to 4 parts in flight, each retried
// with backoff, fresh part URLs fetched when they expire, then the complete call. Shared by the upload page
// (XHR, for upload progress) and the CLI (fetch streaming from disk): they differ only in `sendPart` and in
// how they wait for the network. Nothing here keeps a whole part in memory, let alone the file.

export interface PartTicket {
  partNumber: number;
  url: string;
  headers?: Record<string, string>;
}

export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** The API's answer to POST /api/video/upload (multipart) and GET /api/video/upload/{uploadId}. */
export interface UploadPlan {
  key: string;
  uploadId: string;
  status: "open" | "completing" | "completed";
  size: number;
  partSize: number;
  partCount: number;
  parts: PartTicket[];
  uploadedParts: StoredPart[];
  completeUrl: string;
  abortUrl: string;
  statusUrl: string;
  expiresAt: string;
  planExpiresAt: string;
}

export function isUploadPlan(value: object): value is UploadPlan {
  return "uploadId" in value && "parts" in value;
}

/** Sends bytes [start, end) of the file as one part; resolves with the ETag the storage answered. */
export type SendPart = (
  ticket: PartTicket,
  range: { start: number; end: number },
  onProgress: (sentInPart: number) => void,
  signal: AbortSignal,
) => Promise<string>;

export interface RetryPolicy {
  /** Failures in a row of one part (network errors while offline do not count) before giving up. */
  attempts: number;
  minMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, minMs: 1_000, maxMs: 30_000 };
/** Parts in flight: enough to fill a long fat link; more mostly adds contention on a phone's uplink. */
export const DEFAULT_CONCURRENCY = 4;
/** Part URLs this close to expiry are renewed before use rather than failing mid-part. */
const RENEW_BEFORE_MS = 60_000;

export interface SendPlanOptions {
  plan: UploadPlan;
  sendPart: SendPart;
  /** Bytes sent so far across all parts, never decreasing, on every change. */
  onProgress?: (sent: number, total: number) => void;
  /** A part the storage has confirmed (for a progress display of parts, or a resume file). */
  onPartStored?: (part: StoredPart) => void;
  /** A failure that will be retried, for a "reconnecting…" notice. */
  onRetry?: (error: unknown, partNumber: number, failures: number) => void;
  /**
   * Waits before a retry: `ms` of backoff, or longer while the device is offline (the page waits for the
   * `online` event). Resolve `true` when the wait was for the network, so the failure is not counted.
   */
  waitBeforeRetry?: (ms: number, signal: AbortSignal) => Promise<boolean>;
  concurrency?: number;
  retry?: RetryPolicy;
  signal: AbortSignal;
  /** fetch for the API's own calls (status, complete); the default is the global one. */
  fetchImpl?: typeof fetch;
}

/** Uploads every part the plan still lacks, then completes it; resolves with the storage key. */
export async function sendPlan(options: SendPlanOptions): Promise<string> {
  const { signal } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  const fetchImpl = options.fetchImpl ?? fetch;
  const wait = options.waitBeforeRetry ?? ((ms: number, s: AbortSignal) => sleep(ms, s).then(() => false));
  let plan = options.plan;
  if (plan.status === "completed") return plan.key;

  const stored = new Map(plan.uploadedParts.map((p) => [p.partNumber, p]));
  const inFlight = new Map<number, number>();
  // Never backwards: the bytes of a part that failed mid-way are sent again before the count moves on, so a
  // drop shows as a pause, not as a bar jumping back (and a speed below zero).
  let shown = 0;
  const report = () => {
    let sent = 0;
    for (const part of stored.values()) sent += part.size;
    for (const bytes of inFlight.values()) sent += bytes;
    shown = Math.max(shown, Math.min(sent, plan.size));
    options.onProgress?.(shown, plan.size);
  };
  report();

  // One renewal at a time, shared by every part that needs it.
  let renewing: Promise<void> | null = null;
  let tickets = new Map(plan.parts.map((t) => [t.partNumber, t]));
  let ticketsExpireAt = Date.parse(plan.expiresAt);
  const renew = () => {
    renewing ??= fetchPlan(plan.statusUrl, signal, fetchImpl)
      .then((fresh) => {
        plan = fresh;
        tickets = new Map(fresh.parts.map((t) => [t.partNumber, t]));
        ticketsExpireAt = Date.parse(fresh.expiresAt);
        for (const part of fresh.uploadedParts) stored.set(part.partNumber, part);
      })
      .finally(() => {
        renewing = null;
      });
    return renewing;
  };

  const pending = Array.from({ length: plan.partCount }, (_, i) => i + 1).filter((n) => !stored.has(n));
  const sendOne = async (partNumber: number) => {
    const start = (partNumber - 1) * plan.partSize;
    const range = { start, end: Math.min(plan.size, start + plan.partSize) };
    let failures = 0;
    for (;;) {
      if (stored.has(partNumber)) return;
      try {
        if (Date.now() > ticketsExpireAt - RENEW_BEFORE_MS || !tickets.has(partNumber)) await renew();
        if (stored.has(partNumber)) return;
        const ticket = tickets.get(partNumber);
        if (!ticket) throw new ApiRequestError("PART_MISSING", `The server has no URL for part ${partNumber}.`, 0);
        const etag = await options.sendPart(
          ticket,
          range,
          (bytes) => {
            inFlight.set(partNumber, bytes);
            report();
          },
          signal,
        );
        inFlight.delete(partNumber);
        const part = { partNumber, etag: etag.replaceAll('"', ""), size: range.end - range.start };
        stored.set(partNumber, part);
        options.onPartStored?.(part);
        report();
        return;
      } catch (error) {
        inFlight.delete(partNumber);
        report();
        if (signal.aborted) throw signal.reason ?? error;
        const verdict = classify(error);
        if (verdict === "fatal") throw error;
        if (verdict === "renew") ticketsExpireAt = 0;
        failures += 1;
        options.onRetry?.(error, partNumber, failures);
        if (failures >= retry.attempts) throw error;
        const backoff = Math.min(retry.maxMs, retry.minMs * 2 ** (failures - 1));
        // Waiting for the network is not the part's fault: it gets its full count of tries once back online.
        if (await wait(backoff * (0.75 + Math.random() * 0.5), signal)) failures = Math.max(0, failures - 1);
      }
    }
  };

  const workers = Array.from(
    { length: Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, pending.length) },
    async () => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) await sendOne(next);
    },
  );
  // The first fatal error stops the others from taking new parts (their own in-flight part finishes or fails).
  await Promise.all(workers).catch((error: unknown) => {
    pending.length = 0;
    throw error;
  });

  const parts = [...stored.values()].sort((a, b) => a.partNumber - b.partNumber);
  return completePlan(plan, parts, { signal, retry, wait, fetchImpl });
}

/** POSTs the part list; network failures and 5xx are retried (completing twice is harmless). */
async function completePlan(
  plan: UploadPlan,
  parts: StoredPart[],
  context: {
    signal: AbortSignal;
    retry: RetryPolicy;
    wait: (ms: number, signal: AbortSignal) => Promise<boolean>;
    fetchImpl: typeof fetch;
  },
): Promise<string> {
  // Called as a plain function: a browser's fetch called as a method of another object throws "Illegal invocation".
  const { fetchImpl } = context;
  let failures = 0;
  for (;;) {
    try {
      const response = await fetchImpl(plan.completeUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ parts: parts.map(({ partNumber, etag }) => ({ partNumber, etag })) }),
        signal: context.signal,
      }).catch((error: unknown) => {
        if (context.signal.aborted) throw error;
        throw new ApiRequestError("UNREACHABLE", "The server could not be reached.", 0, { cause: error });
      });
      if (!response.ok) throw await errorFromResponse(response);
      return ((await response.json()) as { key: string }).key;
    } catch (error) {
      if (context.signal.aborted || classify(error) === "fatal") throw error;
      failures += 1;
      if (failures >= context.retry.attempts) throw error;
      await context.wait(Math.min(context.retry.maxMs, context.retry.minMs * 2 ** (failures - 1)), context.signal);
    }
  }
}

/** GET statusUrl: what the storage already holds and fresh URLs for the rest. */
export async function fetchPlan(
  statusUrl: string,
  signal?: AbortSignal,
  fetchImpl: typeof fetch = fetch,
): Promise<UploadPlan> {
  const response = await fetchImpl(statusUrl, { cache: "no-store", signal }).catch((error: unknown) => {
    if (signal?.aborted) throw error;
    throw new ApiRequestError("UNREACHABLE", "The server could not be reached.", 0, { cause: error });
  });
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as UploadPlan;
}

/** DELETE abortUrl: frees the parts. Best effort: a cancel must not fail because the network did. */
export async function abortPlan(plan: Pick<UploadPlan, "abortUrl">, fetchImpl: typeof fetch = fetch): Promise<void> {
  await fetchImpl(plan.abortUrl, { method: "DELETE" }).catch(() => undefined);
}

/**
 * What to do after a failed part: retry as is (network, 5xx, 408/429), renew the URLs first (403: an
 * expired presigned URL says so with a 403 on S3/R2 and on the local driver), or give up (the upload is
 * gone, or the request itself is wrong).
 */
export function classify(error: unknown): "retry" | "renew" | "fatal" {
  if (!(error instanceof ApiRequestError)) return "retry";
  if (error.status === 0) return error.code === "ETAG_HIDDEN" ? "fatal" : "retry";
  if (error.status === 403) return "renew";
  if (error.status === 408 || error.status === 429 || error.status >= 500) return "retry";
  return "fatal";
}

/** Where a client remembers an unfinished plan between runs (the page: localStorage; the CLI: a file). */
export interface ResumeStore {
  load(): Promise<{ statusUrl: string } | null> | { statusUrl: string } | null;
  save(plan: UploadPlan): Promise<void> | void;
  clear(): Promise<void> | void;
}

export type UploadStart =
  | { kind: "single"; ticket: UploadTicket }
  | { kind: "plan"; plan: UploadPlan; resumed: boolean };

/**
 * Picks up the plan `store` remembers when the server still has it (open or already completed); otherwise
 * asks for a new upload (multipart "auto": parts above the server's threshold) and remembers its plan.
 */
export async function startOrResumeUpload(options: {
  baseUrl: string;
  file: { filename: string; contentType: string; size: number };
  store: ResumeStore;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}): Promise<UploadStart> {
  const saved = await options.store.load();
  if (saved) {
    try {
      const plan = await fetchPlan(saved.statusUrl, options.signal, options.fetchImpl);
      if (plan.size === options.file.size && plan.status !== "completing") return { kind: "plan", plan, resumed: true };
    } catch (error) {
      // Gone (canceled, expired, another server): start over. Unreachable: the new request says so too.
      if (options.signal?.aborted) throw error;
    }
    await options.store.clear();
  }
  const answer = await requestUpload(options.baseUrl, { ...options.file, multipart: "auto" }, options.signal);
  if (!isUploadPlan(answer)) return { kind: "single", ticket: answer };
  await options.store.save(answer);
  return { kind: "plan", plan: answer, resumed: false };
}
