import type { PrismaClient } from "../db";
import { FRESH_QUEUED_STATE } from "./job-states";

// An admin retry puts a failed or canceled job back to `queued` in Postgres BEFORE the queue sees it
// again: the worker skips any job whose row is completed/failed/canceled (duplicate deliveries must not
// re-run), so a queue-only retry would be a silent no-op. Written for the queue board; the console's
// retry (lib/admin/job-actions.ts) can share it.

/** Where the retry was asked for: named in the timeline and the audit log. */
export type RetrySource = "queue-board" | "console";

const SOURCE_NAMES: Record<RetrySource, string> = {
  "queue-board": "the queue board",
  console: "the console",
};

export interface RetryActor {
  /** The session's user id; recorded only if the user still exists. */
  userId: string | null;
  email: string;
}

/** What an admin may retry, as in the console: a completed job is done, a queued or running one is on its way. */
export const RETRYABLE_STATUSES = ["failed", "canceled"] as const;

/**
 * Resets the failed or canceled jobs among `jobIds` to a fresh `queued` state (progress 0, no phase, no
 * error), with a "retried" timeline event and a `job.retry` audit row each, in one transaction. Other
 * jobs are left alone. Returns the ids that were reset.
 */
export async function resetJobsForRetry(
  db: PrismaClient,
  jobIds: readonly string[],
  actor: RetryActor,
  via: RetrySource,
): Promise<string[]> {
  const unique = [...new Set(jobIds)];
  if (unique.length === 0) return [];
  return db.$transaction(async (tx) => {
    // One statement with a status guard: a row a worker is finishing right now is either reset or not, never half.
    const reset = await tx.job.updateManyAndReturn({
      // A job whose input was deleted (retention, purge) cannot run again: left alone like a completed one.
      where: { id: { in: unique }, status: { in: [...RETRYABLE_STATUSES] }, inputDeletedAt: null },
      data: FRESH_QUEUED_STATE,
      select: { id: true },
    });
    if (reset.length === 0) return [];
    const ids = reset.map((row) => row.id);
    const user = actor.userId ? await tx.user.findUnique({ where: { id: actor.userId }, select: { id: true } }) : null;
    await tx.jobEvent.createMany({
      data: ids.map((jobId) => ({
        jobId,
        type: "retried",
        message: `Retried from ${SOURCE_NAMES[via]} by ${actor.email}`,
        data: { via },
      })),
    });
    await tx.auditLog.createMany({
      data: ids.map((jobId) => ({
        userId: user?.id ?? null,
        userEmail: actor.email,
        action: "job.retry",
        jobId,
        data: { via },
      })),
    });
    return ids;
  });
}
