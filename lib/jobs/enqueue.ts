import type { Queue } from "bullmq";
import { CAPTION_JOB_NAME, type CaptionJobPayload } from "../job-contract";
import { withTimeout } from "../timeouts";

/** How long a request waits for Redis before answering 503: Redis answers in ~1 ms when it is up. */
const ENQUEUE_TIMEOUT_MS = 3_000;

export class QueueUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the job queue (Redis) is unavailable", { cause });
    this.name = "QueueUnavailableError";
  }
}

/**
 * Puts a caption job on the queue. The BullMQ job id is the job's id plus the run number, so a duplicate
 * add of the same run is a no-op while an admin retry (a new run) gets a fresh queue entry.
 */
export async function enqueueCaptionJob(
  queue: Queue<CaptionJobPayload>,
  jobId: string,
  run = 0,
  kind: RunKind = "retry",
): Promise<void> {
  try {
    await withTimeout(
      (async () => {
        await queue.waitUntilReady();
        await queue.add(CAPTION_JOB_NAME, { jobId }, { jobId: queueJobId(jobId, run, kind) });
      })(),
      ENQUEUE_TIMEOUT_MS,
      "no answer from Redis",
    );
  } catch (error) {
    throw new QueueUnavailableError(error);
  }
}

/** Why a job runs again: an admin retry (run n), or an edit of its captions (version n). */
export type RunKind = "retry" | "edit";

/**
 * BullMQ ids may not contain ':'; `<jobId>.r<run>` keeps each admin-retry run distinct, `<jobId>.v<n>`
 * each re-render of edited captions (version n).
 */
export function queueJobId(jobId: string, run: number, kind: RunKind = "retry"): string {
  if (run === 0) return jobId;
  return `${jobId}.${kind === "edit" ? "v" : "r"}${run}`;
}
