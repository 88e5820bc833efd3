import type { PrismaClient } from "../db";

/** Where a queued job stands: its place in line and, when there is a basis for one, when it should start. */
export interface QueuePlace {
  /** 1 = next to start. Counts the queued jobs submitted before it (oldest first, as workers take them). */
  position: number;
  /**
   * Seconds until a worker should take it, from the median processing time of the last day's jobs and
   * the number of jobs being processed now (the capacity at work). null when there is no basis: nothing
   * completed recently, or no job is being processed (no worker may be running).
   */
  estimatedStartSec: number | null;
}

/** Jobs whose processing times shape the estimate: the most recent ones of the last 24 h. */
const RECENT_JOBS = 200;

export async function queuePlace(
  db: Pick<PrismaClient, "$queryRaw">,
  job: { id: string; createdAt: Date },
): Promise<QueuePlace> {
  const [row] = await db.$queryRaw<[{ ahead: number; processing: number; p50: number | null }]>`
    SELECT
      (SELECT count(*)::int FROM "Job" WHERE "status" = 'queued'
         AND ("createdAt" < ${job.createdAt} OR ("createdAt" = ${job.createdAt} AND "id" < ${job.id}))) AS ahead,
      (SELECT count(*)::int FROM "Job" WHERE "status" = 'processing') AS processing,
      (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY "processingMs") FROM (
         SELECT "processingMs" FROM "Job"
         WHERE "status" = 'completed' AND "processingMs" IS NOT NULL AND "finishedAt" >= now() - interval '24 hours'
         ORDER BY "finishedAt" DESC LIMIT ${RECENT_JOBS}) AS recent) AS p50`;
  const { ahead, processing, p50 } = row;
  // The jobs being processed free their slots after half a run on average; the ones ahead then pass
  // through those slots a run each.
  const estimatedStartSec =
    p50 !== null && processing > 0 ? Math.round(((ahead / processing + 0.5) * p50) / 1000) : null;
  return { position: ahead + 1, estimatedStartSec };
}
