import { Queue, type QueueOptions } from "bullmq";
import type { Logger } from "pino";
import { z } from "zod";
import type { PrismaClient } from "../db";
import type { Job } from "../generated/prisma/client";
import type { Storage } from "../storage";
import { TIMEOUTS, withTimeout } from "../timeouts";
import { deleteJobWork, deleteUnderPrefixes, jobObjectKeys } from "./job-objects";

// Retention: a finished job's input is deleted RETENTION_DAYS_INPUT days after it finished, and everything
// else RETENTION_DAYS_OUTPUT days after (the job then reads `expired`); an admin's purge does both at once.
// Every write is guarded and every delete idempotent, so two sweeps at once (or a sweep and a purge) never
// delete twice or mark a job that changed meanwhile.
//
// Order of one deletion: CLAIM the row (a guarded write: inputDeletedAt / status expired), THEN delete the
// objects. Once claimed, nothing can run the job again (retry and caption edits require the input), so no
// render can start on a file that is being deleted. If storage fails, the claim is undone and the next sweep
// tries again. (A process killed between the claim and the deletes leaves those objects behind: the price
// of never deleting an input a re-run is about to read.)

/** Statuses a job can be in when its files may be deleted: it is done, nothing reads its input. */
export const FINISHED_STATUSES = ["completed", "failed", "canceled"] as const;

export const DAY_MS = 86_400_000;

/** Days after `finishedAt`; 0 keeps that kind of file forever. */
export interface RetentionPolicy {
  inputDays: number;
  outputDays: number;
}

export type ExpiryReason = "retention" | "purged";

/** Whether a worker with this policy and interval sweeps at all (else it removes the schedule). */
export function sweepEnabled(policy: RetentionPolicy, everyMin: number): boolean {
  return everyMin > 0 && (policy.inputDays > 0 || policy.outputDays > 0);
}

export interface RetentionDeps {
  db: PrismaClient;
  storage: Pick<Storage, "delete" | "listKeys">;
  log: Pick<Logger, "info" | "warn">;
  /** Called after a job became expired (webhooks: job.expired). Must not throw. */
  onExpired?: (jobId: string) => Promise<void>;
}

export type DeletionOutcome = "deleted" | "skipped" | "storage_error";

export interface SweepReport {
  inputsDeleted: number;
  jobsExpired: number;
  /** Jobs left as they were because storage failed; the next sweep retries them. */
  storageErrors: number;
  /** Objects deleted (a missing object counts: it is gone either way). */
  objectsDeleted: number;
}

/** Rows read per query: a backlog of a million expired jobs is walked 100 at a time, never loaded at once. */
export const SWEEP_BATCH = 100;

/**
 * One sweep at `now` (a parameter, so tests move the clock): first expires the jobs whose outputs are due
 * (deleting their input too), then deletes the inputs that are due, `batchSize` rows per query; a job that
 * storage refused is not read again in the same sweep.
 */
export async function sweepRetention(
  deps: RetentionDeps,
  policy: RetentionPolicy,
  now: Date,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<SweepReport> {
  const batchSize = options.batchSize ?? SWEEP_BATCH;
  const report: SweepReport = { inputsDeleted: 0, jobsExpired: 0, storageErrors: 0, objectsDeleted: 0 };
  let refusedInARow = 0;
  const tally = (outcome: DeletionOutcome, objects: number, kind: "inputsDeleted" | "jobsExpired") => {
    if (outcome === "deleted") {
      report[kind] += 1;
      report.objectsDeleted += objects;
    }
    if (outcome === "storage_error") report.storageErrors += 1;
    refusedInARow = outcome === "storage_error" ? refusedInARow + 1 : 0;
  };
  // Checked between jobs: a worker shutting down stops after the job in hand, and a whole batch refused by
  // storage means it is down (every other job would wait out the same timeouts). The next sweep carries on.
  const stopped = () => options.signal?.aborted === true || refusedInARow >= batchSize;
  if (policy.outputDays > 0) {
    const cutoff = new Date(now.getTime() - policy.outputDays * DAY_MS);
    for await (const row of dueForExpiry(deps.db, cutoff, batchSize)) {
      if (stopped()) break;
      const { outcome, objects } = await expireJob(deps, row, { now, reason: "retention", cutoff });
      tally(outcome, objects, "jobsExpired");
    }
  }
  if (policy.inputDays > 0 && !stopped()) {
    const cutoff = new Date(now.getTime() - policy.inputDays * DAY_MS);
    const failed = new Set<string>();
    for await (const row of dueForInputDeletion(deps.db, cutoff, batchSize, failed)) {
      if (stopped()) break;
      const outcome = await deleteJobInput(deps, row, { now, cutoff });
      if (outcome === "storage_error") failed.add(row.id);
      tally(outcome, outcome === "deleted" ? 1 : 0, "inputsDeleted");
    }
  }
  if (report.inputsDeleted + report.jobsExpired + report.storageErrors > 0) {
    deps.log.info({ ...report, at: now.toISOString() }, "retention sweep");
  }
  return report;
}

type DueRow = Pick<Job, "id" | "status" | "finishedAt" | "inputKey" | "inputDeletedAt">;
const DUE_ROW = { id: true, status: true, finishedAt: true, inputKey: true, inputDeletedAt: true } as const;

// How the two queries below read the Job table, measured with EXPLAIN ANALYZE on 600k finished rows
// (300k expired long ago, 300k completed with their input gone, 2,000 due). Postgres plans a `LIMIT` query
// over `status … AND finishedAt < cutoff` on the finishedAt index, filtering out every expired row older than
// the cutoff: it assumes status and age are unrelated, while in fact old rows are all expired (~50 ms per
// 300k rows skipped, on every query). So:
// - expiry walks that index from a cursor (`finishedAt >= last seen`): only a sweep's first query skips the
//   old expired rows, each later batch starts where the previous one ended;
// - input deletion asks per status with `inputDeletedAt IS NULL`, no ORDER BY: Postgres then uses the
//   (status, inputDeletedAt, finishedAt) index and reads only due rows (0.2 ms a batch). Rows are not
//   re-read: once handled they no longer match, except those storage refused, which the sweep passes back.

/** Finished jobs that finished before `cutoff`, oldest first, `batchSize` rows per query. */
async function* dueForExpiry(db: PrismaClient, cutoff: Date, batchSize: number): AsyncGenerator<DueRow> {
  let from: Date | null = null;
  /** Ids already read whose finishedAt equals `from` (the cursor is inclusive: ties are not lost). */
  let seenAtFrom: string[] = [];
  for (;;) {
    const batch: DueRow[] = await db.job.findMany({
      where: {
        status: { in: [...FINISHED_STATUSES] },
        finishedAt: { lt: cutoff, ...(from ? { gte: from } : {}) },
        ...(seenAtFrom.length > 0 ? { id: { notIn: seenAtFrom } } : {}),
      },
      orderBy: { finishedAt: "asc" },
      take: batchSize,
      select: DUE_ROW,
    });
    yield* batch;
    const last = batch.at(-1)?.finishedAt;
    if (!last || batch.length < batchSize) return;
    const tied = batch.filter((row) => row.finishedAt?.getTime() === last.getTime()).map((row) => row.id);
    seenAtFrom = from?.getTime() === last.getTime() ? [...seenAtFrom, ...tied] : tied;
    from = last;
  }
}

/**
 * Finished jobs whose input is still there and that finished before `cutoff`, one status at a time,
 * `batchSize` rows per query. `failed`: ids storage refused in this sweep (left out; the next sweep retries
 * them).
 */
async function* dueForInputDeletion(
  db: PrismaClient,
  cutoff: Date,
  batchSize: number,
  failed: ReadonlySet<string>,
): AsyncGenerator<DueRow> {
  for (const status of FINISHED_STATUSES) {
    for (;;) {
      const batch: DueRow[] = await db.job.findMany({
        where: {
          status,
          inputDeletedAt: null,
          finishedAt: { lt: cutoff },
          ...(failed.size > 0 ? { id: { notIn: [...failed] } } : {}),
        },
        take: batchSize,
        select: DUE_ROW,
      });
      yield* batch;
      if (batch.length < batchSize) break;
    }
  }
}

/** Deletes a finished job's input (the job keeps its status and outputs, but can no longer run again). */
export async function deleteJobInput(
  deps: RetentionDeps,
  row: DueRow,
  { now, cutoff }: { now: Date; cutoff: Date },
): Promise<DeletionOutcome> {
  const claimed = await deps.db.job.updateMany({
    where: {
      id: row.id,
      status: { in: [...FINISHED_STATUSES] },
      inputDeletedAt: null,
      finishedAt: { lt: cutoff },
    },
    data: { inputDeletedAt: now },
  });
  if (claimed.count === 0) return "skipped";
  try {
    await deps.storage.delete(row.inputKey);
    // A split job's leftover work files are pieces of the same video: they go with it.
    await deleteJobWork(deps.storage, row.id);
  } catch (error) {
    await deps.db.job.updateMany({ where: { id: row.id, inputDeletedAt: now }, data: { inputDeletedAt: null } });
    deps.log.warn(
      { jobId: row.id, err: (error as Error).message },
      "retention: input not deleted; retrying next sweep",
    );
    return "storage_error";
  }
  const days = row.finishedAt ? Math.floor((now.getTime() - row.finishedAt.getTime()) / DAY_MS) : null;
  await deps.db.jobEvent.create({
    data: {
      jobId: row.id,
      type: "input_deleted",
      message: `Uploaded video deleted${days !== null ? ` ${days} days after the job finished` : ""} (retention). The captions and the captioned video remain; the job can no longer run again.`,
      data: { reason: "retention" },
    },
  });
  return "deleted";
}

/**
 * Deletes everything a finished job stored (input, every output of every caption version) and marks it
 * `expired`; its transcript and caption text go too. `cutoff` (retention) also requires it to have finished
 * before then; a purge passes none. `by` names the admin in the timeline.
 */
export async function expireJob(
  deps: RetentionDeps,
  row: Pick<Job, "id" | "status" | "inputDeletedAt">,
  { now, reason, cutoff, by }: { now: Date; reason: ExpiryReason; cutoff?: Date; by?: string },
): Promise<{ outcome: DeletionOutcome; objects: number }> {
  if (!(FINISHED_STATUSES as readonly string[]).includes(row.status)) return { outcome: "skipped", objects: 0 };
  const claimed = await deps.db.job.updateMany({
    where: {
      id: row.id,
      status: row.status,
      inputDeletedAt: row.inputDeletedAt,
      ...(cutoff ? { finishedAt: { lt: cutoff } } : {}),
    },
    data: {
      status: "expired",
      phase: null,
      outputsDeletedAt: now,
      inputDeletedAt: row.inputDeletedAt ?? now,
      expiredReason: reason,
    },
  });
  if (claimed.count === 0) return { outcome: "skipped", objects: 0 };
  // Read after the claim: no edit can add a caption version any more.
  const job = await deps.db.job.findUniqueOrThrow({
    where: { id: row.id },
    include: {
      captionVersions: { select: { outputVideoKey: true, outputSrtKey: true, outputVttKey: true, thumbnailKey: true } },
    },
  });
  const keys = jobObjectKeys(job, job.captionVersions);
  const toDelete = [...(row.inputDeletedAt ? [] : keys.input), ...keys.outputs];
  let workDeleted = 0;
  try {
    await Promise.all(toDelete.map((key) => deps.storage.delete(key)));
    // Listed, not named: no column records a split run's id (a cancel or a crash may have left files there).
    workDeleted = await deleteUnderPrefixes(deps.storage, keys.workPrefixes);
  } catch (error) {
    await deps.db.job.updateMany({
      where: { id: row.id, status: "expired", outputsDeletedAt: now },
      data: { status: row.status, outputsDeletedAt: null, inputDeletedAt: row.inputDeletedAt, expiredReason: null },
    });
    deps.log.warn(
      { jobId: row.id, reason, err: (error as Error).message },
      "retention: files not deleted; the job is unchanged and retried next sweep",
    );
    return { outcome: "storage_error", objects: 0 };
  }
  // The input may be gone already (RETENTION_DAYS_INPUT): name only what this deletion removed.
  const outputs = `${keys.outputs.length} output file${keys.outputs.length === 1 ? "" : "s"}`;
  const files = row.inputDeletedAt ? outputs : `the uploaded video and ${outputs}`;
  const days = job.finishedAt ? Math.floor((now.getTime() - job.finishedAt.getTime()) / DAY_MS) : null;
  const message =
    reason === "purged"
      ? `Purged${by ? ` by ${by}` : ""}: ${files} deleted, with the transcript and caption text.`
      : `Expired: ${files} deleted${days !== null ? ` ${days} days after the job finished` : ""} (retention), with the transcript and caption text.`;
  await deps.db.$transaction([
    // The words are the video's content as much as the files are: they go with them.
    deps.db.jobTranscript.deleteMany({ where: { jobId: row.id } }),
    deps.db.jobCaptionVersion.updateMany({ where: { jobId: row.id }, data: { cues: [] } }),
    deps.db.jobEvent.create({
      data: {
        jobId: row.id,
        type: "expired",
        message,
        data: { reason, previousStatus: row.status, outputs: keys.outputs.length, ...(by ? { by } : {}) },
      },
    }),
  ]);
  await deps.onExpired?.(row.id);
  return { outcome: "deleted", objects: toDelete.length + workDeleted };
}

/** The public sentence of an expired job (the API, the console, webhooks). */
export function expiredMessage(job: Pick<Job, "expiredReason" | "finishedAt" | "outputsDeletedAt">): string {
  if (job.expiredReason === "purged") return "This job's files were deleted by an administrator.";
  const days =
    job.finishedAt && job.outputsDeletedAt
      ? Math.floor((job.outputsDeletedAt.getTime() - job.finishedAt.getTime()) / DAY_MS)
      : null;
  return `This job's files were deleted${days !== null ? ` ${days} day${days === 1 ? "" : "s"} after it finished` : ""}, under the server's retention policy. Submit the video again to caption it anew.`;
}

/** Why a job whose input is gone cannot run again (admin retry, caption edits: 409 INPUT_EXPIRED). */
export function inputExpiredMessage(job: Pick<Job, "inputDeletedAt" | "expiredReason">): string {
  const when = job.inputDeletedAt ? ` on ${job.inputDeletedAt.toISOString().slice(0, 10)}` : "";
  const why = job.expiredReason === "purged" ? "by an administrator" : "under the retention policy";
  return `The uploaded video was deleted${when} ${why}, so this job cannot run again. Upload the video again as a new job.`;
}

// The maintenance queue: periodic chores run by the workers. A BullMQ job scheduler puts one sweep job in it
// per interval, whatever the number of workers, and any worker takes it.
export const MAINTENANCE_QUEUE = "maintenance";
export const RETENTION_SCHEDULER_ID = "retention-sweep";
export const RETENTION_JOB_NAME = "retention-sweep";

/**
 * - removeOnComplete/Fail by count: a sweep's outcome is in the worker's log; Redis keeps the last few runs
 *   for the queue board.
 * - attempts 1: a failed sweep is not retried; the next interval's sweep does the same work.
 */
export function createMaintenanceQueue(connection: QueueOptions["connection"], prefix: string): Queue {
  return new Queue(MAINTENANCE_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
  });
}

/**
 * The sweep job's data: the policy it runs with. Every worker writes its own into the one scheduler, so the
 * schedule in Redis is the policy in force (the last worker started wins, like the interval), and the app
 * reads it there to tell API clients when a job's files will go (`readRetentionPolicy`).
 */
export const retentionSweepData = z
  .object({ inputDays: z.number().int().min(0), outputDays: z.number().int().min(0) })
  .strict();

/** The policy of the scheduled sweep; null when no sweep is scheduled (off, or no worker has started yet). */
export async function readRetentionPolicy(queue: Queue): Promise<RetentionPolicy | null> {
  const scheduler = await queue.getJobScheduler(RETENTION_SCHEDULER_ID);
  return retentionSweepData.safeParse(scheduler?.template?.data).data ?? null;
}

/**
 * When retention will delete a job's input and its files, under `policy`: null when the job has not
 * finished, when that kind of file is kept forever (0 days), when it is already deleted, or when the
 * policy is unknown. (A sweep runs every RETENTION_SWEEP_EVERY_MIN: the deletion follows within one interval.)
 */
export function retentionDeadlines(
  job: Pick<Job, "status" | "finishedAt" | "inputDeletedAt">,
  policy: RetentionPolicy | null,
): { inputExpiresAt: Date | null; expiresAt: Date | null } {
  const finished = (FINISHED_STATUSES as readonly string[]).includes(job.status) ? job.finishedAt : null;
  const after = (days: number | undefined) => (finished && days ? new Date(finished.getTime() + days * DAY_MS) : null);
  const expiresAt = after(policy?.outputDays);
  const inputAt = after(policy?.inputDays);
  return {
    // Deleting the files deletes the input too: whichever comes first.
    inputExpiresAt: job.inputDeletedAt
      ? null
      : inputAt && expiresAt && expiresAt < inputAt
        ? expiresAt
        : (inputAt ?? expiresAt),
    expiresAt,
  };
}

/** How long the app reuses the schedule's policy: a changed policy shows in job deadlines within a minute. */
export const RETENTION_POLICY_CACHE_MS = 60_000;
/** …and "no schedule" (or Redis unreachable) only briefly: the first worker's start shows within seconds. */
const UNKNOWN_POLICY_CACHE_MS = 5_000;
const policyCache = new WeakMap<Queue, { until: number; value: Promise<RetentionPolicy | null> }>();

/**
 * `readRetentionPolicy`, remembered for a minute per process and bounded in time: an unreachable Redis
 * makes job deadlines unknown (null), never a request slow or failed.
 */
export function cachedRetentionPolicy(queue: Queue, now = Date.now()): Promise<RetentionPolicy | null> {
  const cached = policyCache.get(queue);
  if (cached && now < cached.until) return cached.value;
  const value = withTimeout(readRetentionPolicy(queue), TIMEOUTS.retentionPolicyReadMs).catch(() => null);
  const entry = { until: now + RETENTION_POLICY_CACHE_MS, value };
  policyCache.set(queue, entry);
  void value.then((policy) => {
    if (!policy) entry.until = now + UNKNOWN_POLICY_CACHE_MS;
  });
  return value;
}
