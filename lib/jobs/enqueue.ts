import type { Queue } from "bullmq";
import { CAPTION_JOB_NAME, type CaptionJobPayload } from "../job-contract";

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
export async function enqueueCaptionJob(queue: Queue<CaptionJobPayload>, jobId: string, run = 0): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from Redis within ${ENQUEUE_TIMEOUT_MS} ms`)),
      ENQUEUE_TIMEOUT_MS,
    );
  });
  try {
    const add = async () => {
      await queue.waitUntilReady();
      await queue.add(CAPTION_JOB_NAME, { jobId }, { jobId: queueJobId(jobId, run) });
    };
    await Promise.race([add(), timeout]);
  } catch (error) {
    throw new QueueUnavailableError(error);
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ ids may not contain ':'; `<jobId>.r<run>` keeps each admin-retry run distinct. */
export function queueJobId(jobId: string, run: number): string {
  return run === 0 ? jobId : `${jobId}.r${run}`;
}
