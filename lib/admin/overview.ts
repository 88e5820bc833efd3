import type { AppServices } from "../app-services";
import type { JobStatus } from "../generated/prisma/enums";
import { type QueueState, queueCounts } from "../jobs/queue-stats";

export interface HourBucket {
  /** Start of the hour (UTC). */
  hour: Date;
  completed: number;
  failed: number;
}

export interface Overview {
  byStatus: Record<JobStatus, number>;
  /**
   * The queue's backlog: jobs waiting for, or held by, a worker. null when Redis did not answer: the page says
   * so instead of failing. Failures are counted from Postgres only (byStatus): BullMQ's own "failed" list
   * also holds every admin cancel and every run of a job, so it never matches the number of failed jobs.
   */
  queue: Pick<Record<QueueState, number>, "waiting" | "active" | "delayed"> | null;
  hourly: HourBucket[];
  /** Processing time of the jobs completed in the last 24 h (ms); null without any. */
  processing: { p50: number; p95: number; count: number } | null;
  latestFailures: {
    id: string;
    errorCode: string | null;
    originalFilename: string | null;
    finishedAt: Date | null;
  }[];
  generatedAt: Date;
}

const HOURS = 24;
const QUEUE_COUNT_TIMEOUT_MS = 2_000;

/** Everything the /admin overview shows, read in parallel. */
export async function getOverview(services: Pick<AppServices, "db" | "queue">, now = new Date()): Promise<Overview> {
  const { db } = services;
  const firstHour = new Date(now);
  firstHour.setUTCMinutes(0, 0, 0);
  firstHour.setUTCHours(firstHour.getUTCHours() - (HOURS - 1));
  const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000);

  const [statusGroups, queue, hourRows, percentiles, latestFailures] = await Promise.all([
    db.job.groupBy({ by: ["status"], _count: { _all: true } }),
    readQueueCounts(services),
    db.$queryRaw<{ hour: Date; status: JobStatus; n: number }[]>`
      SELECT date_trunc('hour', "finishedAt") AS hour, "status", count(*)::int AS n
      FROM "Job"
      WHERE "finishedAt" >= ${firstHour} AND "status" IN ('completed', 'failed')
      GROUP BY 1, 2`,
    db.$queryRaw<[{ p50: number | null; p95: number | null; count: number }]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY "processingMs") AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY "processingMs") AS p95,
             count("processingMs")::int AS count
      FROM "Job"
      WHERE "status" = 'completed' AND "processingMs" IS NOT NULL AND "finishedAt" >= ${dayAgo}`,
    db.job.findMany({
      where: { status: "failed" },
      orderBy: [{ finishedAt: { sort: "desc", nulls: "last" } }, { updatedAt: "desc" }],
      take: 10,
      select: { id: true, errorCode: true, originalFilename: true, finishedAt: true },
    }),
  ]);

  const byStatus: Record<JobStatus, number> = {
    queued: 0,
    processing: 0,
    completed: 0,
    failed: 0,
    canceled: 0,
    expired: 0,
  };
  for (const group of statusGroups) byStatus[group.status] = group._count._all;

  const hourly: HourBucket[] = Array.from({ length: HOURS }, (_, i) => ({
    hour: new Date(firstHour.getTime() + i * 3600 * 1000),
    completed: 0,
    failed: 0,
  }));
  for (const row of hourRows) {
    const index = Math.round((row.hour.getTime() - firstHour.getTime()) / (3600 * 1000));
    const bucket = hourly[index];
    if (bucket && (row.status === "completed" || row.status === "failed")) bucket[row.status] += row.n;
  }

  const [p] = percentiles;
  const processing =
    p.count > 0 && p.p50 !== null && p.p95 !== null
      ? { p50: Math.round(p.p50), p95: Math.round(p.p95), count: p.count }
      : null;
  return { byStatus, queue, hourly, processing, latestFailures, generatedAt: now };
}

async function readQueueCounts(services: Pick<AppServices, "queue">): Promise<Overview["queue"]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const counts = await Promise.race([
      queueCounts(services.queue),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), QUEUE_COUNT_TIMEOUT_MS);
      }),
    ]);
    return {
      waiting: counts.waiting + counts.prioritized,
      active: counts.active,
      delayed: counts.delayed,
    };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
