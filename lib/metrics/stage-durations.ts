import type { PrismaClient } from "../db";
import { Prisma } from "../generated/prisma/client";

// Stage durations come from the timeline: the worker writes a `stage_completed` event with `durationMs`
// for every stage it finishes. Postgres buckets them (one row per stage and bucket); we only accumulate.

/**
 * Upper bounds (seconds) of the stage-duration buckets: from the pure caption-building step (ms) to
 * renders of long videos (tens of minutes).
 */
export const STAGE_DURATION_BUCKETS_SEC = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** One histogram series: cumulative counts per upper bound (Prometheus `le`), plus +Inf = count. */
export interface HistogramSeries {
  /** cumulative[i] = observations ≤ bounds[i]. */
  cumulative: number[];
  count: number;
  /** Sum of the observations, in seconds. */
  sum: number;
}

/** Per-bucket counts as Postgres returns them: `bucket` is the index of the first bound ≥ the value (bounds.length = above all). */
export interface BucketRow {
  bucket: number;
  count: number;
  sumSec: number;
}

/** Turns per-bucket counts into a cumulative series over `bounds` (pure; tested beside). */
export function toCumulativeSeries(rows: readonly BucketRow[], boundCount: number): HistogramSeries {
  const perBucket = new Array<number>(boundCount + 1).fill(0);
  let sum = 0;
  for (const row of rows) {
    const index = Math.min(Math.max(0, row.bucket), boundCount);
    perBucket[index] = (perBucket[index] ?? 0) + row.count;
    sum += row.sumSec;
  }
  const cumulative: number[] = [];
  let running = 0;
  for (let i = 0; i < boundCount; i += 1) {
    running += perBucket[i] ?? 0;
    cumulative.push(running);
  }
  return { cumulative, count: running + (perBucket[boundCount] ?? 0), sum };
}

/** Histogram of finished stage durations by stage, over every `stage_completed` event ever written. */
export async function stageDurationHistograms(
  db: PrismaClient,
  boundsSec: readonly number[] = STAGE_DURATION_BUCKETS_SEC,
): Promise<Map<string, HistogramSeries>> {
  // durationMs is an integer, so "≤ bound" is "< bound + 1 ms": width_bucket's thresholds are lower
  // bounds (bucket i holds thresholds[i-1] ≤ x < thresholds[i]), which gives Prometheus' `le` exactly.
  const thresholds = boundsSec.map((sec) => Math.round(sec * 1000) + 1);
  const rows = await db.$queryRaw<{ stage: string; bucket: number; n: bigint; total_ms: bigint }[]>`
    SELECT stage,
           width_bucket("durationMs", ARRAY[${Prisma.join(thresholds)}]::int[]) AS bucket,
           count(*) AS n,
           sum("durationMs") AS total_ms
      FROM "JobEvent"
     WHERE type = 'stage_completed' AND stage IS NOT NULL AND "durationMs" IS NOT NULL
     GROUP BY stage, bucket`;
  const byStage = new Map<string, BucketRow[]>();
  for (const row of rows) {
    const list = byStage.get(row.stage) ?? [];
    list.push({ bucket: Number(row.bucket), count: Number(row.n), sumSec: Number(row.total_ms) / 1000 });
    byStage.set(row.stage, list);
  }
  return new Map([...byStage].map(([stage, list]) => [stage, toCumulativeSeries(list, boundsSec.length)]));
}
