import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import type { StaffRole } from "../auth/roles";
import type { PrismaClient } from "../db";
import { Prisma } from "../generated/prisma/client";
import { JOB_ID_PATTERN } from "../ids";
import { cancelChannel } from "../jobs/cancel-channel";
import { enqueueCaptionJob, QueueUnavailableError, queueJobId } from "../jobs/enqueue";
import { deleteJobWork } from "../jobs/job-objects";
import { canceledState, FRESH_QUEUED_STATE } from "../jobs/job-states";
import { cachedRetentionPolicy, expireJob, FINISHED_STATUSES, inputExpiredMessage } from "../jobs/retention";
import { logger } from "../logger";
import { emitJobEvent } from "../webhooks/emit";
import { type JobFilter, jobFilterQuery } from "./job-filters";
import { failedJobIds } from "./job-list";

// The console's mutations. Postgres is changed first (it is what everyone reads), then Redis; every action
// leaves an AuditLog row (who, what, when) and a JobEvent on the job's timeline.

export interface Actor {
  id: string;
  email: string;
  /** Decides what the bulk retry's search may look at (the same as the list the actor sees). */
  role: StaffRole;
}

type Services = Pick<AppServices, "db" | "queue" | "redis" | "env" | "webhookQueue" | "maintenanceQueue" | "storage">;

// Audit vocabulary shared with the queue board (lib/jobs/reset-for-retry.ts): `job.<action>`, data.via.
export const AUDIT = {
  retry: "job.retry",
  retryRefused: "job.retry_refused",
  cancel: "job.cancel",
  bulkRetry: "job.bulk_retry",
  purge: "job.purge",
} as const;
const VIA = "console";

/**
 * How many console retries this job had. Run n is enqueued as BullMQ job `<id>.r<n>`: BullMQ keeps a
 * failed job's id for 7 days, so re-adding the same id would silently do nothing. A refused retry keeps
 * its number too, in case Redis took the add but timed out answering. Queue-board retries re-run an
 * existing BullMQ job and take no number.
 */
function runsSoFar(db: Pick<PrismaClient, "auditLog">, jobId: string): Promise<number> {
  return db.auditLog.count({
    where: { jobId, action: { in: [AUDIT.retry, AUDIT.retryRefused] }, data: { path: ["via"], equals: VIA } },
  });
}

/**
 * The queue entries the job's latest run may hold: its admin-retry run (`<id>` or `<id>.r<n>`) and, once
 * its captions were edited, the edit's re-render (`<id>.v<version>`). Either may be the live one.
 */
async function latestRunQueueIds(db: PrismaClient, job: { id: string; captionVersion: number }): Promise<string[]> {
  const run = await runsSoFar(db, job.id);
  return [queueJobId(job.id, run), ...(job.captionVersion > 1 ? [queueJobId(job.id, job.captionVersion, "edit")] : [])];
}

/** Queue states of a run no worker holds: waiting its turn, or between attempts (a retry's backoff). */
const WAITING_STATES = new Set(["waiting", "delayed", "prioritized"]);
/** What a cancel takes out of the queue: those, and a split job's parent waiting for its segments. */
const CANCELABLE_STATES = new Set([...WAITING_STATES, "waiting-children"]);

async function findJob(db: PrismaClient, id: string) {
  const job = JOB_ID_PATTERN.test(id) ? await db.job.findUnique({ where: { id } }) : null;
  if (!job) throw new ApiError("JOB_NOT_FOUND", "No job with this id.");
  return job;
}

function queueUnavailable(): ApiError {
  return new ApiError("QUEUE_UNAVAILABLE", "The processing queue (Redis) is unavailable; nothing was changed.");
}

export interface RetryResult {
  id: string;
  status: "queued";
  run: number;
}

/**
 * Runs a failed or canceled job again from the start: the row goes back to queued with its error cleared
 * (the old error stays in the timeline), then a new run is enqueued. If Redis refuses, the row is put back
 * as it was and the caller gets 503.
 */
export async function retryJob(
  services: Services,
  actor: Actor,
  id: string,
  options: { bulk?: boolean } = {},
): Promise<RetryResult> {
  const { db, queue } = services;
  const job = await findJob(db, id);
  // Checked first: an expired job's answer is why it can never run, not that its status is wrong.
  if (job.inputDeletedAt)
    throw new ApiError("INPUT_EXPIRED", inputExpiredMessage(job), { inputDeletedAt: job.inputDeletedAt });
  if (job.status !== "failed" && job.status !== "canceled") {
    throw new ApiError("INVALID_STATE", `Only failed or canceled jobs can be retried; this one is ${job.status}.`);
  }
  await clearPreviousRun(services, await latestRunQueueIds(db, job));

  const { run, eventId, auditId } = await db.$transaction(async (tx) => {
    // Guarded by the status we read: of two admins retrying at once, one wins and the other gets 409.
    // inputDeletedAt null: a retention sweep that claimed the input meanwhile wins (its file is being deleted).
    const reset = await tx.job.updateMany({
      where: { id, status: job.status, inputDeletedAt: null },
      data: FRESH_QUEUED_STATE,
    });
    if (reset.count === 0) throw new ApiError("INVALID_STATE", "The job changed meanwhile; reload the page.");
    const run = (await runsSoFar(tx, id)) + 1;
    const previous = { status: job.status, errorCode: job.errorCode };
    const event = await tx.jobEvent.create({
      data: {
        jobId: id,
        type: "retried",
        message: `Retried from the console by ${actor.email} (run ${run}): starts again from the beginning.`,
        data: { via: VIA, run, previous },
      },
    });
    const audit = await tx.auditLog.create({
      data: {
        userId: actor.id,
        userEmail: actor.email,
        action: AUDIT.retry,
        jobId: id,
        data: { via: VIA, run, previous, ...(options.bulk ? { bulk: true } : {}) },
      },
    });
    return { run, eventId: event.id, auditId: audit.id };
  });

  try {
    await enqueueCaptionJob(queue, id, run);
  } catch (error) {
    if (!(error instanceof QueueUnavailableError)) throw error;
    await db.$transaction([
      db.job.updateMany({
        where: { id, status: "queued" },
        data: {
          status: job.status,
          phase: job.phase,
          progress: job.progress,
          errorCode: job.errorCode,
          errorMessage: job.errorMessage,
          errorDetail: job.errorDetail ?? Prisma.DbNull,
          startedAt: job.startedAt,
          finishedAt: job.finishedAt,
        },
      }),
      db.jobEvent.delete({ where: { id: eventId } }),
      db.auditLog.update({ where: { id: auditId }, data: { action: AUDIT.retryRefused } }),
    ]);
    throw queueUnavailable();
  }
  return { id, status: "queued", run };
}

/**
 * The previous run's BullMQ job must not run alongside the new one: still active (a cancel the worker has
 * not finished acting on) → 409; still waiting or delayed (a retry backoff) → removed.
 */
async function clearPreviousRun(services: Services, bullIds: readonly string[]): Promise<void> {
  const states: string[] = [];
  try {
    for (const bullId of bullIds) {
      const previous = await services.queue.getJob(bullId);
      const state = previous ? await previous.getState() : "gone";
      if (WAITING_STATES.has(state)) await services.queue.remove(bullId);
      states.push(state);
    }
  } catch {
    throw queueUnavailable();
  }
  if (states.includes("active")) {
    throw new ApiError("INVALID_STATE", "The job's last run is still stopping; try again in a few seconds.");
  }
}

export interface CancelResult {
  id: string;
  status: "canceled";
  /** false when Redis could not be told: a running worker then stops at its next status check. */
  workerNotified: boolean;
}

/**
 * Cancels a queued or processing job. Postgres says `canceled` first, so a worker picking the job up
 * afterwards skips it; then the queue entry is removed (queued) and the id is published on the cancel
 * channel, where the worker running it aborts, kills its ffmpeg/ASR children and removes its temp files.
 */
export async function cancelJob(services: Services, actor: Actor, id: string): Promise<CancelResult> {
  const { db } = services;
  const job = await findJob(db, id);
  if (job.status !== "queued" && job.status !== "processing") {
    throw new ApiError("INVALID_STATE", `Only queued or processing jobs can be canceled; this one is ${job.status}.`);
  }
  const bullIds = await latestRunQueueIds(db, job);
  await db.$transaction(async (tx) => {
    const canceled = await tx.job.updateMany({
      where: { id, status: job.status },
      data: canceledState(),
    });
    if (canceled.count === 0) throw new ApiError("INVALID_STATE", "The job changed meanwhile; reload the page.");
    await tx.jobEvent.create({
      data:
        job.status === "queued"
          ? { jobId: id, type: "canceled", message: `Canceled by ${actor.email} before it started.` }
          : {
              jobId: id,
              type: "note",
              stage: job.phase,
              message: `Cancel requested by ${actor.email} during ${job.phase ?? "processing"}.`,
            },
    });
    await tx.auditLog.create({
      data: {
        userId: actor.id,
        userEmail: actor.email,
        action: AUDIT.cancel,
        jobId: id,
        data: { via: VIA, previous: { status: job.status, phase: job.phase, progress: job.progress } },
      },
    });
  });

  // The console wrote the final status: announce it here (the worker stays quiet about a status it did not write).
  const retention = await cachedRetentionPolicy(services.maintenanceQueue);
  await emitJobEvent({ db, webhookQueue: services.webhookQueue, log: logger, retention }, id);

  let workerNotified = true;
  let removed = false;
  try {
    // A waiting or delayed (between attempts) entry is removed; an active one is locked and stays, and
    // the published id stops it. A split job's parent waiting for its segments goes with its children,
    // unless a worker holds one of them.
    // The run may be an admin retry or a caption edit's re-render: whichever waits is taken out.
    for (const bullId of bullIds) {
      const entry = await services.queue.getJob(bullId);
      const state = entry ? await entry.getState() : "gone";
      if (CANCELABLE_STATES.has(state) && (await services.queue.remove(bullId)) === 1) removed = true;
    }
    await services.redis.publish(cancelChannel(services.env.QUEUE_PREFIX), id);
  } catch (error) {
    workerNotified = false;
    logger.warn({ jobId: id, err: (error as Error).message }, "cancel recorded but Redis could not be told");
  }
  // Removed from Redis, the run is never seen by a worker again: its split work files and segment rows
  // are this action's to close. (Otherwise the worker holding the job or a segment does it when it stops.)
  if (removed) await closeRemovedRun(services, id);
  return { id, status: "canceled", workerNotified };
}

/** A canceled run that no worker will see again: its segments read canceled, its work files are deleted. */
async function closeRemovedRun(services: Pick<Services, "db" | "storage">, id: string): Promise<void> {
  await services.db.jobSegment.updateMany({
    where: { jobId: id, status: { notIn: ["completed", "failed", "canceled"] } },
    data: { status: "canceled" },
  });
  try {
    await deleteJobWork(services.storage, id);
  } catch (error) {
    // Not worth failing a recorded cancel: retention's expiry lists the same prefix again.
    logger.warn({ jobId: id, err: (error as Error).message }, "canceled job's work files not deleted");
  }
}

/** The most failed jobs one bulk retry touches: keeps one request bounded (~10 ms a job). */
export const BULK_RETRY_LIMIT = 500;

export interface BulkRetryResult {
  /** Failed jobs matching the filter. */
  matched: number;
  retried: number;
  /** Jobs that changed state meanwhile (e.g. retried by someone else) or whose last run is still stopping. */
  skipped: number;
  limit: number;
  /** true when more than `limit` matched: run it again for the rest. */
  capped: boolean;
  /** true when Redis went away part-way: the jobs not reached are still failed. */
  stoppedEarly: boolean;
}

/** Retries the failed jobs matching the list's filter (oldest first, at most BULK_RETRY_LIMIT). */
export async function retryFailedJobs(services: Services, actor: Actor, filter: JobFilter): Promise<BulkRetryResult> {
  const { ids, matched } = await failedJobIds(services.db, filter, BULK_RETRY_LIMIT, actor.role);
  let retried = 0;
  let skipped = 0;
  let queueDown = false;
  // A few at a time: each retry is a handful of short queries and one Redis add.
  const BATCH = 5;
  for (let i = 0; i < ids.length && !queueDown; i += BATCH) {
    const outcomes = await Promise.allSettled(
      ids.slice(i, i + BATCH).map((id) => retryJob(services, actor, id, { bulk: true })),
    );
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") retried += 1;
      else if (!(outcome.reason instanceof ApiError)) throw outcome.reason;
      else if (outcome.reason.code === "QUEUE_UNAVAILABLE") queueDown = true;
      else skipped += 1;
    }
  }
  if (queueDown && retried === 0) throw queueUnavailable();
  const result = {
    matched,
    retried,
    skipped,
    limit: BULK_RETRY_LIMIT,
    capped: matched > BULK_RETRY_LIMIT,
    stoppedEarly: queueDown,
  };
  await services.db.auditLog.create({
    data: {
      userId: actor.id,
      userEmail: actor.email,
      action: AUDIT.bulkRetry,
      data: { via: VIA, filter: jobFilterQuery({ ...filter, page: 1 }), ...result },
    },
  });
  return result;
}

export interface PurgeResult {
  id: string;
  status: "expired";
  /** Files deleted now: the input (unless retention had already deleted it) and every output. */
  filesDeleted: number;
}

/**
 * Deletes a finished job's files at once, as retention would at the end of its days: the input, every
 * output of every caption version, the transcript and caption text; the job reads `expired` ("purged").
 * Queued and processing jobs are refused (cancel first): a running render would write new files.
 */
export async function purgeJob(
  services: Pick<AppServices, "db" | "storage" | "webhookQueue">,
  actor: Actor,
  id: string,
): Promise<PurgeResult> {
  const { db } = services;
  const job = await findJob(db, id);
  if (job.status === "expired") {
    throw new ApiError("INVALID_STATE", "This job's files were already deleted; there is nothing left to purge.");
  }
  if (!(FINISHED_STATUSES as readonly string[]).includes(job.status)) {
    throw new ApiError(
      "INVALID_STATE",
      `Only finished jobs can be purged; this one is ${job.status}: cancel it first.`,
    );
  }
  const { outcome, objects } = await expireJob(
    {
      db,
      storage: services.storage,
      log: logger,
      onExpired: (jobId) =>
        emitJobEvent({ db, webhookQueue: services.webhookQueue, log: logger }, jobId).then(() => {}),
    },
    job,
    { now: new Date(), reason: "purged", by: actor.email },
  );
  if (outcome === "skipped") throw new ApiError("INVALID_STATE", "The job changed meanwhile; reload the page.");
  if (outcome === "storage_error") {
    throw new ApiError(
      "SERVICE_UNAVAILABLE",
      "Storage was unavailable, so the job was left as it was (some files may already be gone); try again.",
    );
  }
  await db.auditLog.create({
    data: {
      userId: actor.id,
      userEmail: actor.email,
      action: AUDIT.purge,
      jobId: id,
      data: { via: VIA, previous: { status: job.status }, filesDeleted: objects },
    },
  });
  return { id, status: "expired", filesDeleted: objects };
}
