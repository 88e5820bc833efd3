import type { Job } from "bullmq";
import type { Logger } from "pino";
import type { PrismaClient } from "../lib/db";
import { JOB_ERRORS } from "../lib/error-codes";
import type { CaptionJobPayload } from "../lib/job-contract";

/**
 * BullMQ can fail a job without our processor seeing it — chiefly a job that stalled more often than
 * maxStalledCount (its worker kept dying). The processor marks every failure it sees itself, so a row that
 * is still queued/processing once BullMQ has given up is one of those: mark it failed so it is never
 * stuck "processing" forever.
 */
export async function reconcileFailedJob(
  db: PrismaClient,
  job: Job<CaptionJobPayload>,
  error: Error,
  log: Logger,
  onFinalStatus?: (jobId: string) => Promise<void>,
) {
  if (!(await job.isFailed())) return; // a retry is scheduled: the row says "retrying"
  const jobId = job.data?.jobId;
  if (!jobId) return;
  const detail = { stage: null, error: error.message, attempt: job.attemptsMade };
  const updated = await db.job.updateMany({
    where: { id: jobId, status: { in: ["queued", "processing"] } },
    data: {
      status: "failed",
      phase: null,
      errorCode: "INTERNAL",
      errorMessage: JOB_ERRORS.INTERNAL.message,
      errorDetail: detail,
      finishedAt: new Date(),
    },
  });
  if (updated.count === 0) return;
  await db.jobEvent.create({
    data: { jobId, attempt: job.attemptsMade, type: "failed", message: `INTERNAL: ${error.message}`, data: detail },
  });
  await onFinalStatus?.(jobId);
  log.error(
    { jobId, err: error.message },
    "BullMQ failed the job outside the processor (e.g. it stalled too often); marked failed",
  );
}
