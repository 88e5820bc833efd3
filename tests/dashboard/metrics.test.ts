import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createPrisma } from "../../lib/db";
import { newJobId } from "../../lib/ids";
import { countJobOutcomes } from "../../lib/metrics/job-outcomes";
import { STAGE_DURATION_BUCKETS_SEC, stageDurationHistograms } from "../../lib/metrics/stage-durations";
import { captionFile } from "../support/api-client";
import { createTestDatabase } from "../support/databases";
import { makeSpeechVideo, makeTextFileAsMp4 } from "../support/make-media";
import { type Stack, startStack, waitFor } from "../support/stack";
import { type Family, parsePrometheusText, sampleValue } from "./prometheus-text";
import { waitForDashboard } from "./staff";

// GET /metrics on the dashboard: Prometheus text that a strict parser accepts, guarded by METRICS_TOKEN,
// and numbers that move when real jobs complete or fail through the public API and a real worker.

const PIPELINE_STAGES = [
  "downloading",
  "probing",
  "extracting_audio",
  "transcribing",
  "building_captions",
  "rendering",
  "uploading",
];

describe("/metrics on a running stack", () => {
  let stack: Stack;
  const token = randomBytes(24).toString("base64url");

  beforeAll(async () => {
    stack = await startStack({ dashboard: true, env: { METRICS_TOKEN: token } });
    await waitForDashboard(stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function scrape(): Promise<Map<string, Family>> {
    const res = await fetch(`${stack.dashboardUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return parsePrometheusText(await res.text());
  }

  test("needs the bearer token when METRICS_TOKEN is set", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-of-some-length", `Basic ${token}`, token]) {
      const res = await fetch(`${stack.dashboardUrl}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(await res.text()).not.toContain("captioner_");
    }
  });

  test("parses as Prometheus text with every documented family and type", async () => {
    const families = await scrape();
    expect(
      Object.fromEntries(
        [
          "captioner_queue_jobs",
          "captioner_worker_active_jobs",
          "captioner_workers",
          "captioner_jobs_completed_total",
          "captioner_jobs_failed_total",
          "captioner_stage_duration_seconds",
        ].map((name) => [name, families.get(name)?.type]),
      ),
    ).toEqual({
      captioner_queue_jobs: "gauge",
      captioner_worker_active_jobs: "gauge",
      captioner_workers: "gauge",
      captioner_jobs_completed_total: "counter",
      captioner_jobs_failed_total: "counter",
      captioner_stage_duration_seconds: "histogram",
    });
    for (const state of ["waiting", "active", "delayed", "failed", "completed"]) {
      expect(sampleValue(families, "captioner_queue_jobs", { queue: "captions", state })).toBe(0);
    }
    expect(sampleValue(families, "captioner_workers", { queue: "captions" })).toBe(1);
    expect(sampleValue(families, "captioner_jobs_completed_total")).toBe(0);
    expect(sampleValue(families, "captioner_jobs_failed_total", { code: "INVALID_MEDIA" })).toBe(0);
  });

  test("counters and stage histograms move when a job completes, and failures count by code", async () => {
    const before = await scrape();
    const clip = await makeSpeechVideo({ script: "Metrics count this job." });
    const job = await captionFile(stack.baseUrl, clip.path, { timeoutMs: 90_000 });
    expect(job.status).toBe("completed");

    // Postgres says completed a moment before BullMQ moves the job to its completed set (the processor
    // returns after writing the row): the queue's own gauge is read once it has caught up.
    const completedInQueue = (families: Map<string, Family>) =>
      sampleValue(families, "captioner_queue_jobs", { queue: "captions", state: "completed" });
    let after = await scrape();
    await waitFor(
      async () => {
        after = await scrape();
        return completedInQueue(after) === completedInQueue(before) + 1;
      },
      { timeoutMs: 5_000, intervalMs: 100, what: "the queue's completed count to move" },
    ).catch(() => {});
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - (hasSample(before, name, labels) ? sampleValue(before, name, labels) : 0);
    expect(delta("captioner_jobs_completed_total")).toBe(1);
    expect(delta("captioner_queue_jobs", { queue: "captions", state: "completed" })).toBe(1);
    expect(sampleValue(after, "captioner_worker_active_jobs", { queue: "captions" })).toBe(0);
    for (const stage of PIPELINE_STAGES) {
      expect(delta("captioner_stage_duration_seconds_count", { stage }), stage).toBe(1);
      expect(delta("captioner_stage_duration_seconds_bucket", { stage, le: "+Inf" }), stage).toBe(1);
    }
    // The stages' own timings, as the timeline recorded them, add up to the histogram sums.
    const events = await stack.db.jobEvent.findMany({ where: { jobId: job.id, type: "stage_completed" } });
    const recorded = events.reduce((sum, event) => sum + (event.durationMs ?? 0), 0) / 1000;
    const sums = PIPELINE_STAGES.reduce(
      (sum, stage) => sum + delta("captioner_stage_duration_seconds_sum", { stage }),
      0,
    );
    expect(sums).toBeCloseTo(recorded, 3);
    expect(sums).toBeGreaterThan(0);

    const notAVideo = await makeTextFileAsMp4();
    const failed = await captionFile(stack.baseUrl, notAVideo.path, { timeoutMs: 60_000 });
    expect(failed.error?.code).toBe("INVALID_MEDIA");
    const afterFailure = await scrape();
    expect(sampleValue(afterFailure, "captioner_jobs_failed_total", { code: "INVALID_MEDIA" })).toBe(
      sampleValue(after, "captioner_jobs_failed_total", { code: "INVALID_MEDIA" }) + 1,
    );
    expect(sampleValue(afterFailure, "captioner_jobs_completed_total")).toBe(
      sampleValue(after, "captioner_jobs_completed_total"),
    );
  });
});

function hasSample(families: Map<string, Family>, name: string, labels: Record<string, string>): boolean {
  try {
    sampleValue(families, name, labels);
    return true;
  } catch {
    return false;
  }
}

describe("the SQL behind the numbers (known timeline rows)", () => {
  let drop: () => Promise<void>;
  let db: ReturnType<typeof createPrisma>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = createPrisma(database.url, { max: 2 });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await drop?.();
  });

  test("stage durations land in Prometheus `le` buckets exactly at the bounds", async () => {
    const jobId = newJobId();
    await db.job.create({ data: { id: jobId, inputKey: "uploads/x.mp4" } });
    const durationsMs = { probing: [50, 51, 100, 3_600_000, 3_600_001], rendering: [999, 1000, 1001] };
    await db.jobEvent.createMany({
      data: Object.entries(durationsMs).flatMap(([stage, list]) =>
        list.map((durationMs) => ({ jobId, stage, type: "stage_completed", durationMs })),
      ),
    });
    // Not stage timings: must not count.
    await db.jobEvent.createMany({
      data: [
        { jobId, stage: "probing", type: "started", durationMs: 10 },
        { jobId, stage: "probing", type: "stage_completed", durationMs: null },
      ],
    });
    const histograms = await stageDurationHistograms(db);
    const le = (stage: string, bound: number) =>
      histograms.get(stage)?.cumulative[STAGE_DURATION_BUCKETS_SEC.indexOf(bound)];
    expect([le("probing", 0.05), le("probing", 0.1), le("probing", 3600)]).toEqual([1, 3, 4]);
    expect(histograms.get("probing")).toMatchObject({ count: 5, sum: (50 + 51 + 100 + 3_600_000 + 3_600_001) / 1000 });
    expect([le("rendering", 0.5), le("rendering", 1), le("rendering", 2.5)]).toEqual([0, 2, 3]);
    expect([...histograms.keys()].sort()).toEqual(["probing", "rendering"]);
  });

  test("outcomes count completions and final failures by code, and never go down when a job is retried", async () => {
    const jobId = newJobId();
    await db.job.create({ data: { id: jobId, inputKey: "uploads/y.mp4", status: "failed" } });
    await db.jobEvent.createMany({
      data: [
        { jobId, type: "failed", message: "TOO_LONG: The video is longer than the allowed limit." },
        { jobId, type: "failed", message: "RENDER_FAILED: Rendering the captions into the video failed." },
        { jobId, type: "failed", message: "something unexpected" },
        { jobId, type: "retrying", message: "TIMEOUT: A processing stage took longer than its limit." },
        { jobId, type: "completed", message: "Completed" },
      ],
    });
    const first = await countJobOutcomes(db);
    expect(first.completed).toBe(1);
    expect(first.failedByCode).toMatchObject({ TOO_LONG: 1, RENDER_FAILED: 1, UNKNOWN: 1, TIMEOUT: 0 });
    expect(first.failedByCode).not.toHaveProperty("CANCELED");
    // An admin retry moves the row back to queued; the counts are from the timeline and stay.
    await db.job.update({ where: { id: jobId }, data: { status: "queued" } });
    expect(await countJobOutcomes(db)).toEqual(first);
  });
});

describe("the strict parser", () => {
  test("rejects what Prometheus would reject", () => {
    const ok = "# TYPE a counter\na 1\n";
    expect(parsePrometheusText(ok).get("a")?.samples[0]?.value).toBe(1);
    for (const bad of [
      "a 1\n", // no TYPE
      "# TYPE a counter\na 1", // no final newline
      '# TYPE a gauge\na{b="1",b="2"} 1\n', // duplicate label
      '# TYPE a gauge\na{b="1} 1\n', // unterminated label value
      "# TYPE a gauge\na one\n", // not a number
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
    ]) {
      expect(() => parsePrometheusText(bad), JSON.stringify(bad)).toThrow();
    }
  });
});
