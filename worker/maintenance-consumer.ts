import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PrismaClient } from "../lib/db";
import {
  createMaintenanceQueue,
  MAINTENANCE_QUEUE,
  RETENTION_JOB_NAME,
  RETENTION_SCHEDULER_ID,
  type RetentionPolicy,
  retentionSweepData,
  sweepEnabled,
  sweepRetention,
} from "../lib/jobs/retention";
import type { Storage } from "../lib/storage";

export interface MaintenanceOptions {
  db: PrismaClient;
  storage: Storage;
  connection: Redis;
  prefix: string;
  log: Logger;
  retention: RetentionPolicy;
  /** Minutes between sweeps; 0 turns the sweep off (and removes the schedule). */
  sweepEveryMin: number;
  onExpired: (jobId: string) => Promise<void>;
}

/**
 * The maintenance queue's consumer, inside the worker process. Every worker upserts the same job scheduler
 * (same id: the last writer's interval and policy win, so set RETENTION_* alike everywhere; a worker whose
 * settings differ from the schedule already in Redis logs a warning naming both), and BullMQ
 * puts ONE sweep job in the queue per interval, whichever worker takes it. The sweep itself is idempotent
 * (guarded writes, idempotent deletes), so an overlap could not delete or mark anything twice.
 *
 * - concurrency 1: sweeps are sequential per worker; a long one (a backlog) simply delays the next.
 * - lockDuration 5 min: a sweep's steps are short storage and Postgres calls, but a batch of 100 jobs on a
 *   slow S3 can take a minute; the lock is renewed every 2.5 min meanwhile, so 5 min only matters if the
 *   process dies, and then the stalled check gives the sweep to another worker.
 */
export function startMaintenanceConsumer(options: MaintenanceOptions): { close(): Promise<void> } {
  const queue = createMaintenanceQueue(options.connection, options.prefix);
  queue.on("error", (error) => options.log.warn({ err: error.message }, "maintenance queue error"));
  const enabled = sweepEnabled(options.retention, options.sweepEveryMin);
  const mine: RetentionSettings = { ...options.retention, everyMin: enabled ? options.sweepEveryMin : 0 };
  // Not awaited: with Redis away at start the worker must still get to its signal handlers and health
  // endpoint (the caption worker waits for Redis on its own); the schedule is written once Redis answers.
  const scheduled = queue.getJobScheduler(RETENTION_SCHEDULER_ID).then(async (existing) => {
    // One schedule for all workers, and the last one started writes it: a worker configured differently
    // silently changes the policy of every other one, so say so, with both settings.
    const registered = existing ? settingsOf(existing) : null;
    if (registered && !sameSettings(registered, mine)) {
      options.log.warn(
        { registered, thisWorker: mine },
        `retention settings differ between workers: the schedule in Redis has ${describeSettings(registered)}, this worker has ${describeSettings(mine)}; this worker's now apply to every worker. Set RETENTION_DAYS_INPUT, RETENTION_DAYS_OUTPUT and RETENTION_SWEEP_EVERY_MIN alike on all workers.`,
      );
    }
    return enabled
      ? queue.upsertJobScheduler(
          RETENTION_SCHEDULER_ID,
          { every: options.sweepEveryMin * 60_000 },
          { name: RETENTION_JOB_NAME, data: options.retention },
        )
      : queue.removeJobScheduler(RETENTION_SCHEDULER_ID);
  });
  scheduled.then(
    () =>
      enabled
        ? options.log.info(
            {
              everyMin: options.sweepEveryMin,
              inputDays: options.retention.inputDays,
              outputDays: options.retention.outputDays,
            },
            "retention sweep scheduled",
          )
        : options.log.info("retention sweep off (RETENTION_SWEEP_EVERY_MIN=0 or both RETENTION_DAYS_* 0)"),
    (error: Error) => options.log.error({ err: error.message }, "retention sweep schedule not written"),
  );
  if (!enabled) return { close: () => queue.close() };
  // Aborted on shutdown: a sweep through a large backlog stops after the job in hand instead of holding
  // up the worker's exit (the next sweep carries on where it stopped).
  const shutdown = new AbortController();
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async (job) => {
      if (job.name !== RETENTION_JOB_NAME) return { ignored: job.name };
      // The policy in the schedule (what the API announces), else this worker's own; the real clock here
      // (tests call sweepRetention with a moved one).
      return sweepRetention(
        { db: options.db, storage: options.storage, log: options.log, onExpired: options.onExpired },
        retentionSweepData.safeParse(job.data).data ?? options.retention,
        new Date(),
        { signal: shutdown.signal },
      );
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: 1,
      lockDuration: 5 * 60_000,
    },
  );
  worker.on("error", (error) => options.log.error({ err: error }, "maintenance worker error"));
  worker.on("failed", (job, error) =>
    options.log.warn({ job: job?.name, err: error.message }, "retention sweep failed; the next interval retries"),
  );
  return {
    async close() {
      shutdown.abort();
      await worker.close();
      await queue.close();
    },
  };
}

/** A worker's retention settings as the schedule in Redis carries them; everyMin 0: no sweep. */
interface RetentionSettings extends RetentionPolicy {
  everyMin: number;
}

/** The settings of a registered schedule (an unreadable policy reads as null days: it differs from any). */
function settingsOf(scheduler: { every?: number | null; template?: { data?: unknown } }): RetentionSettings {
  const policy = retentionSweepData.safeParse(scheduler.template?.data).data;
  return {
    inputDays: policy?.inputDays ?? Number.NaN,
    outputDays: policy?.outputDays ?? Number.NaN,
    everyMin: scheduler.every ? scheduler.every / 60_000 : 0,
  };
}

function sameSettings(a: RetentionSettings, b: RetentionSettings): boolean {
  return a.inputDays === b.inputDays && a.outputDays === b.outputDays && a.everyMin === b.everyMin;
}

function describeSettings(s: RetentionSettings): string {
  if (s.everyMin === 0) return "no sweep";
  const days = (n: number) => (Number.isNaN(n) ? "?" : String(n));
  return `RETENTION_DAYS_INPUT=${days(s.inputDays)}, RETENTION_DAYS_OUTPUT=${days(s.outputDays)}, RETENTION_SWEEP_EVERY_MIN=${s.everyMin}`;
}
