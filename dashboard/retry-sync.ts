import type { Job } from "bullmq";
import { type Request, type Response, Router } from "express";
import type { Logger } from "pino";
import type { PrismaClient } from "../lib/db";
import { RETRYABLE_STATUSES, resetJobsForRetry } from "../lib/jobs/reset-for-retry";
import { inputExpiredMessage } from "../lib/jobs/retention";
import { type BoardCaller, boardCaller, refuse } from "./auth";
import type { BoardQueue } from "./queues";

// A retry from the board must reach Postgres first: the worker skips a job whose row is already
// completed/failed/canceled, so Bull Board's retry alone would send the job round only to be skipped.
// These handlers sit in front of Bull Board's own retry routes (same paths as @bull-board/api 9.10.1
// dist/routes.js) for queues whose jobs have rows; the console's rules apply (only failed or canceled
// jobs are retried).

/** The BullMQ states Bull Board retries from. */
const RETRIABLE_STATES = ["failed", "completed"] as const;
type RetriableState = (typeof RETRIABLE_STATES)[number];
/** Jobs read per round trip when a bulk retry lists a whole state. */
const PAGE_SIZE = 500;

interface Deps {
  queues: readonly BoardQueue[];
  db: PrismaClient;
  log: Logger;
}

export function retrySync(deps: Deps): Router {
  const router = Router();
  const find = (name: string) => deps.queues.find((entry) => entry.queue.name === name);

  // Bulk first, as Bull Board orders them: "/api/queues/q/retry/failed" is not job "retry".
  router.put("/api/queues/:queueName/retry/:queueStatus", async (req: Request, res: Response, next) => {
    const entry = find(String(req.params.queueName));
    const state = String(req.params.queueStatus);
    if (!entry?.rowIdOf || !isRetriableState(state)) return next("router");
    res.json(await retryAll(deps, entry, state, boardCaller(res)));
  });

  router.put("/api/queues/:queueName/:jobId/retry", async (req: Request, res: Response, next) => {
    const entry = find(String(req.params.queueName));
    if (!entry?.rowIdOf) return next("router");
    const job = await entry.queue.getJob(String(req.params.jobId));
    // Unknown job or a state Bull Board refuses: let Bull Board answer, Postgres untouched.
    if (!job || !isRetriableState(await job.getState())) return next("router");
    const rowId = entry.rowIdOf(job.data);
    if (rowId) {
      const row = await deps.db.job.findUnique({
        where: { id: rowId },
        select: { status: true, inputDeletedAt: true, expiredReason: true },
      });
      // As in the console: a job whose input was deleted says why it can never run again.
      if (row?.inputDeletedAt) {
        refuse(res, 409, "INPUT_EXPIRED", inputExpiredMessage(row));
        return;
      }
      if (row && !isRetryableStatus(row.status)) {
        refuse(res, 409, "INVALID_STATE", `Only failed or canceled jobs can be retried; this one is ${row.status}.`);
        return;
      }
      const caller = boardCaller(res);
      await resetJobsForRetry(deps.db, [rowId], { userId: caller.userId, email: caller.email }, "queue-board");
      deps.log.info(
        { jobId: rowId, queueJobId: job.id, userId: caller.userId },
        "queue board retry: row reset to queued",
      );
    }
    next("router"); // Bull Board's handler moves the BullMQ job back to waiting.
  });

  return router;
}

/**
 * Bulk retry, done here rather than by Bull Board: of the BullMQ jobs in `state`, only those whose row is
 * failed or canceled are retried, and only one BullMQ job per row (a row retried from the console has an
 * older run `<id>` beside `<id>.r1` — retrying both would run the job twice at once). Answers like Bull
 * Board's own route ({ retried, skipped }).
 */
async function retryAll(deps: Deps, entry: BoardQueue, state: RetriableState, caller: BoardCaller) {
  const newestByRow = new Map<string, Job>();
  let listed = 0;
  for (let start = 0; ; start += PAGE_SIZE) {
    const jobs = await entry.queue.getJobs([state], start, start + PAGE_SIZE - 1);
    listed += jobs.length;
    for (const job of jobs) {
      const rowId = job ? entry.rowIdOf?.(job.data) : null;
      if (!job || !rowId) continue;
      const seen = newestByRow.get(rowId);
      if (!seen || job.timestamp > seen.timestamp) newestByRow.set(rowId, job);
    }
    if (jobs.length < PAGE_SIZE) break;
  }
  const reset = await resetJobsForRetry(
    deps.db,
    [...newestByRow.keys()],
    { userId: caller.userId, email: caller.email },
    "queue-board",
  );
  let retried = 0;
  for (const rowId of reset) {
    try {
      await newestByRow.get(rowId)?.retry(state);
      retried += 1;
    } catch (error) {
      // Removed or moved since it was listed: the row says queued with nothing queued; log it loudly.
      deps.log.error(
        { jobId: rowId, err: (error as Error).message },
        "queue board bulk retry: row reset but job not retried",
      );
    }
  }
  deps.log.info({ queue: entry.queue.name, state, listed, retried, userId: caller.userId }, "queue board bulk retry");
  return { retried, skipped: Math.max(0, listed - retried) };
}

function isRetriableState(state: string): state is RetriableState {
  return (RETRIABLE_STATES as readonly string[]).includes(state);
}

function isRetryableStatus(status: string): boolean {
  return (RETRYABLE_STATUSES as readonly string[]).includes(status);
}
