import { ApiRequestError, type PublicJob } from "./video-api";

// Polls a job until it is final. Fast while things move (a new phase or percentage resets the delay to
// 1 s), slower while nothing changes (×1.5 per unchanged answer, up to 5 s), so a long transcription costs
// a request every 5 s instead of every second.

export const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "canceled", "expired"]);

export function isFinal(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

export interface Backoff {
  minMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: Backoff = { minMs: 1_000, maxMs: 5_000, factor: 1.5 };

/** The wait before the next poll: back to the minimum after a change, otherwise a bit longer. */
export function nextDelay(previousMs: number, changed: boolean, backoff: Backoff = DEFAULT_BACKOFF): number {
  if (changed) return backoff.minMs;
  return Math.min(backoff.maxMs, Math.max(backoff.minMs, Math.round(previousMs * backoff.factor)));
}

/** What counts as "something changed" for the backoff. */
export function jobFingerprint(job: Pick<PublicJob, "status" | "phase" | "progress">): string {
  return `${job.status}|${job.phase ?? ""}|${job.progress}`;
}

export interface PollOptions {
  fetchJob: (signal: AbortSignal) => Promise<PublicJob>;
  onUpdate: (job: PublicJob) => void;
  /** A failed poll that will be tried again (network hiccup, 5xx); `failures` counts them in a row. */
  onRetry?: (error: unknown, failures: number) => void;
  /** Stop with the error after this many failed polls in a row (default: never). */
  maxFailures?: number;
  /** The job already in hand (e.g. rendered by the server): the first poll waits instead of starting at once. */
  initial?: PublicJob;
  signal: AbortSignal;
  backoff?: Backoff;
}

/** Resolves with the final job; rejects on abort, on a 4xx (the job is gone) or after `maxFailures`. */
export async function pollJob(options: PollOptions): Promise<PublicJob> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let last = options.initial;
  if (last && isFinal(last.status)) return last;
  let delay = backoff.minMs;
  let failures = 0;
  if (last) await sleep(delay, options.signal);
  for (;;) {
    let changed = false;
    try {
      const job = await options.fetchJob(options.signal);
      failures = 0;
      changed = !last || jobFingerprint(job) !== jobFingerprint(last);
      last = job;
      if (changed) options.onUpdate(job);
      if (isFinal(job.status)) return job;
    } catch (error) {
      if (options.signal.aborted) throw error;
      if (error instanceof ApiRequestError && error.status >= 400 && error.status < 500) throw error;
      failures += 1;
      if (failures >= (options.maxFailures ?? Number.POSITIVE_INFINITY)) throw error;
      options.onRetry?.(error, failures);
    }
    delay = nextDelay(delay, changed, backoff);
    await sleep(delay, options.signal);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
