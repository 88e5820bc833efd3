import type { Queue } from "bullmq";
import { Counter, Gauge, Registry } from "prom-client";
import type { PrismaClient } from "../db";
import { QUEUE_STATES, type QueueState, queueCounts } from "../jobs/queue-stats";
import { countJobOutcomes, type JobOutcomeCounts } from "./job-outcomes";
import { PrecomputedHistogram } from "./precomputed-histogram";
import { type HistogramSeries, STAGE_DURATION_BUCKETS_SEC, stageDurationHistograms } from "./stage-durations";

// The Prometheus view for ops, read fresh on every scrape from the sources of truth (BullMQ for the
// backlog, Postgres for outcomes and stage timings), so it survives restarts and needs no push path
// from the worker. The dashboard serves it at GET /metrics.

export interface OpsMetricsSources {
  db: PrismaClient;
  /** Every queue the project runs (the dashboard's one list). */
  queues: readonly Queue[];
}

interface Snapshot {
  queues: { name: string; counts: Record<QueueState, number>; workers: number }[];
  outcomes: JobOutcomeCounts;
  stages: Map<string, HistogramSeries>;
}

export interface OpsMetrics {
  registry: Registry;
  /** The exposition text of one scrape (reads Redis and Postgres once). */
  render(): Promise<string>;
  contentType: string;
}

export function createOpsMetrics(sources: OpsMetricsSources): OpsMetrics {
  const registry = new Registry();
  // Every metric's collect() asks for the snapshot in the same tick of a scrape: they share one read.
  const snapshot = sharedWhileInFlight(() => readSnapshot(sources));

  registry.registerMetric(
    new Gauge({
      name: "captioner_queue_jobs",
      help: "Jobs in the queue by BullMQ state (waiting = backlog).",
      labelNames: ["queue", "state"],
      registers: [],
      async collect() {
        for (const queue of (await snapshot()).queues) {
          for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, queue.counts[state]);
        }
      },
    }),
  );
  registry.registerMetric(
    new Gauge({
      name: "captioner_worker_active_jobs",
      help: "Jobs being processed right now across all workers (concurrency in use).",
      labelNames: ["queue"],
      registers: [],
      async collect() {
        for (const queue of (await snapshot()).queues) this.set({ queue: queue.name }, queue.counts.active);
      },
    }),
  );
  registry.registerMetric(
    new Gauge({
      name: "captioner_workers",
      help: "Worker processes connected to the queue.",
      labelNames: ["queue"],
      registers: [],
      async collect() {
        for (const queue of (await snapshot()).queues) this.set({ queue: queue.name }, queue.workers);
      },
    }),
  );
  registry.registerMetric(
    new Counter({
      name: "captioner_jobs_completed_total",
      help: "Caption job runs that completed.",
      registers: [],
      async collect() {
        const { outcomes } = await snapshot();
        this.reset();
        this.inc(outcomes.completed);
      },
    }),
  );
  registry.registerMetric(
    new Counter({
      name: "captioner_jobs_failed_total",
      help: "Caption job runs that failed for good (final attempt), by error code.",
      labelNames: ["code"],
      registers: [],
      async collect() {
        const { outcomes } = await snapshot();
        this.reset();
        for (const [code, n] of Object.entries(outcomes.failedByCode)) this.inc({ code }, n);
      },
    }),
  );
  registry.registerMetric(
    new Counter({
      name: "captioner_jobs_expired_total",
      help: "Jobs whose files were deleted, by reason (retention: the sweep; purged: an admin).",
      labelNames: ["reason"],
      registers: [],
      async collect() {
        const { outcomes } = await snapshot();
        this.reset();
        for (const [reason, n] of Object.entries(outcomes.expiredByReason)) this.inc({ reason }, n);
      },
    }),
  );
  registry.registerMetric(
    new PrecomputedHistogram({
      name: "captioner_stage_duration_seconds",
      help: "Time each pipeline stage took, per finished stage run.",
      labelNames: ["stage"],
      bounds: STAGE_DURATION_BUCKETS_SEC,
      read: async () => [...(await snapshot()).stages].map(([stage, series]) => ({ labels: { stage }, series })),
    }),
  );

  return { registry, render: () => registry.metrics(), contentType: registry.contentType };
}

async function readSnapshot({ db, queues }: OpsMetricsSources): Promise<Snapshot> {
  const [queueStats, outcomes, stages] = await Promise.all([
    Promise.all(
      queues.map(async (queue) => {
        // getWorkersCount is one CLIENT LIST: cheap at the scale of a scrape every 15–60 s.
        const [counts, workers] = await Promise.all([queueCounts(queue), queue.getWorkersCount()]);
        return { name: queue.name, counts, workers };
      }),
    ),
    countJobOutcomes(db),
    stageDurationHistograms(db),
  ]);
  return { queues: queueStats, outcomes, stages };
}

/** Calls made while a read is in flight get that read; the next call after it settles starts a new one. */
function sharedWhileInFlight<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
}
