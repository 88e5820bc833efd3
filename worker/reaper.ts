import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PrismaClient } from "../lib/db";
import { JOB_ERRORS } from "../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../lib/timeouts";

// The stuck-job reaper. BullMQ's stalled check hands a dead worker's job to another one, but a row can still
// stay `processing` forever: the queue entry was lost (Redis without persistence restarted), or a worker is
// wedged while its event loop keeps renewing the lock. Every worker runs this check periodically; a Redis
// lock (SET NX PX) lets exactly one of them run it per interval, and each write is guarded, so a second
// sweep could never fail a job twice. A reaped job is failed with TIMEOUT and says why in its timeline
// (MediaConvert does the same at 48 h).

/**
 * A job's budget is its stages' own limits added up (each stage fails with TIMEOUT by itself before its
 * limit): N times that covers every attempt (3 by default) plus the backoff between them.
 */
export const STUCK_FACTOR = 4;

/** The longest a job of `durationSec` seconds (null: not probed yet) and `inputBytes` may take, all stages summed. */
export function expectedJobMs(durationSec: number | null, inputBytes: number | null): number {
  const seconds = durationSec ?? 0;
  const mib = (inputBytes ?? 0) / (1024 * 1024);
  const transfer = TIMEOUTS.transferFloorMs + TIMEOUTS.transferPerMiBMs * mib;
  return Math.round(
    transfer * 2 + // download the input, upload the output (about the input's size)
      TIMEOUTS.probeMs +
      scaledTimeout(TIMEOUTS.extractAudioFloorMs, TIMEOUTS.extractAudioPerMediaSecondMs, seconds) +
      scaledTimeout(TIMEOUTS.transcribeLocalFloorMs, TIMEOUTS.transcribeLocalPerMediaSecondMs, seconds) +
      scaledTimeout(TIMEOUTS.renderFloorMs, TIMEOUTS.renderPerMediaSecondMs, seconds),
  );
}

export interface ReaperOptions {
  db: PrismaClient;
  redis: Redis;
  queuePrefix: string;
  log: Logger;
  intervalMs: number;
  /** Absolute cap: no job may stay `processing` longer, whatever its length. */
  maxProcessingMs: number;
}

/** Marks every job stuck in `processing` as failed TIMEOUT; returns the ids it reaped. */
export async function reapStuckJobs(options: Omit<ReaperOptions, "redis" | "queuePrefix" | "intervalMs">) {
  const { db, log, maxProcessingMs } = options;
  const now = Date.now();
  // Only rows older than the smallest possible limit can be stuck: a cheap first cut on the status index.
  const floor = Math.min(maxProcessingMs, STUCK_FACTOR * expectedJobMs(0, 0));
  const candidates = await db.job.findMany({
    where: { status: "processing", startedAt: { lt: new Date(now - floor) } },
    select: { id: true, phase: true, startedAt: true, durationSec: true, inputSize: true, attempts: true },
  });
  const reaped: string[] = [];
  for (const job of candidates) {
    const startedAt = job.startedAt as Date;
    const elapsedMs = now - startedAt.getTime();
    const limitMs = Math.min(
      maxProcessingMs,
      STUCK_FACTOR * expectedJobMs(job.durationSec, job.inputSize === null ? null : Number(job.inputSize)),
    );
    if (elapsedMs <= limitMs) continue;
    const detail = { stage: job.phase, attempt: job.attempts, reaper: true, elapsedMs, limitMs };
    // Guarded: a job that finished (or was canceled) since the read above keeps its outcome.
    const updated = await db.job.updateMany({
      where: { id: job.id, status: "processing", startedAt },
      data: {
        status: "failed",
        phase: null,
        errorCode: "TIMEOUT",
        errorMessage: JOB_ERRORS.TIMEOUT.message,
        errorDetail: detail,
        finishedAt: new Date(),
      },
    });
    if (updated.count === 0) continue;
    await db.jobEvent.create({
      data: {
        jobId: job.id,
        attempt: job.attempts,
        stage: job.phase,
        type: "failed",
        message: `TIMEOUT: still processing after ${minutes(elapsedMs)}, beyond its limit of ${minutes(limitMs)}; marked failed by the stuck-job reaper (its worker died or hung).`,
        data: detail,
      },
    });
    log.warn({ jobId: job.id, phase: job.phase, elapsedMs, limitMs }, "stuck job marked failed (TIMEOUT)");
    reaped.push(job.id);
  }
  return reaped;
}

/** Runs the reaper every `intervalMs` on whichever worker holds the lock for that interval; returns stop(). */
export function startReaper(options: ReaperOptions): () => void {
  const lockKey = `${options.queuePrefix}:captions:reaper-lock`;
  const tick = async () => {
    // The lock expires just before the next tick: one sweep per interval across all workers.
    const acquired = await options.redis.set(
      lockKey,
      String(process.pid),
      "PX",
      Math.max(500, options.intervalMs - 200),
      "NX",
    );
    if (acquired !== "OK") return;
    await reapStuckJobs(options);
  };
  const timer = setInterval(() => {
    tick().catch((error: unknown) => options.log.warn({ err: (error as Error).message }, "stuck-job reaper failed"));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function minutes(ms: number): string {
  const total = Math.round(ms / 60_000);
  return total >= 60 ? `${Math.floor(total / 60)} h ${total % 60} min` : `${total} min`;
}
