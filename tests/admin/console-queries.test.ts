import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseJobFilter } from "../../lib/admin/job-filters";
import { failedJobIds, listJobs } from "../../lib/admin/job-list";
import { getOverview } from "../../lib/admin/overview";
import type { StaffRole } from "../../lib/auth/roles";
import { createPrisma, type PrismaClient } from "../../lib/db";
import { newJobId } from "../../lib/ids";
import { type CaptionJobPayload, createCaptionQueue } from "../../lib/job-contract";
import { createTestDatabase } from "../support/databases";

// The console's Postgres queries against known rows: what the job list finds, in which order, on which
// page, and the overview's per-hour counts, percentiles and backlog.

const NOW = new Date("2026-11-28T12:30:00Z");
const HOUR = 3600_000;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: PrismaClient;
let redis: Redis;
const ids: Record<string, string> = {};

async function job(name: string, data: Record<string, unknown>) {
  ids[name] = newJobId();
  await db.job.create({
    data: { id: ids[name], inputKey: `uploads/x/${name}.mp4`, originalFilename: `${name}.mp4`, ...data },
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrisma(database.url, { max: 2 });
  redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  // Ten completed jobs, one per hour from 10 h ago, taking 1 s, 2 s, … 10 s.
  for (let i = 1; i <= 10; i++) {
    const finishedAt = new Date(NOW.getTime() - (11 - i) * HOUR + 60_000);
    await job(`done${i}`, {
      status: "completed",
      processingMs: i * 1000,
      createdAt: new Date(finishedAt.getTime() - 5 * 60_000),
      finishedAt,
    });
  }
  await job("renderFail", {
    status: "failed",
    errorCode: "RENDER_FAILED",
    errorMessage: "Rendering the captions into the video failed.",
    errorDetail: { stage: "rendering", stderrTail: "moov atom not found (100% broken)" },
    createdAt: new Date("2026-11-20T08:00:00Z"),
    finishedAt: new Date(NOW.getTime() - 30 * 60_000),
  });
  await job("tooLong", {
    status: "failed",
    errorCode: "TOO_LONG",
    createdAt: new Date("2026-11-25T23:59:59Z"),
    finishedAt: new Date(NOW.getTime() - 2 * HOUR),
  });
  await job("old", {
    status: "completed",
    processingMs: 999_000,
    finishedAt: new Date("2026-11-01T00:00:00Z"),
    createdAt: new Date("2026-11-01T00:00:00Z"),
  });
  await job("waiting", { status: "queued", createdAt: new Date("2026-11-26T00:00:00Z") });
});

afterAll(async () => {
  redis?.disconnect();
  await db?.$disconnect();
  await database?.drop();
});

const list = (query: string, role: StaffRole = "support") =>
  listJobs(db, parseJobFilter(new URLSearchParams(query)), role);

describe("job list queries", () => {
  it("searches the error detail text, with % and _ taken literally", async () => {
    expect((await list("q=MOOV ATOM")).rows.map((r) => r.id)).toEqual([ids.renderFail]);
    expect((await list("q=100%25 broken")).rows.map((r) => r.id)).toEqual([ids.renderFail]);
    expect((await list("q=100%25%25")).total).toBe(0);
    expect((await list(`q=${ids.tooLong?.slice(4, 14)}`)).rows.map((r) => r.id)).toEqual([ids.tooLong]);
    expect((await list("q=done1.mp4")).rows.map((r) => r.id)).toEqual([ids.done1]);
  });

  it("does not search the error detail for a role that may not read it (ops)", async () => {
    expect((await list("q=MOOV ATOM", "admin")).rows.map((r) => r.id)).toEqual([ids.renderFail]);
    expect((await list("q=MOOV ATOM", "ops")).total).toBe(0);
    // What ops may read is still searched.
    expect((await list("q=done1.mp4", "ops")).rows.map((r) => r.id)).toEqual([ids.done1]);
    expect((await list("code=TOO_LONG", "ops")).rows.map((r) => r.id)).toEqual([ids.tooLong]);
    expect(await failedJobIds(db, parseJobFilter({ q: "moov atom" }), 500, "ops")).toEqual({ ids: [], matched: 0 });
  });

  it("filters by status, error code and an inclusive UTC date range", async () => {
    expect((await list("status=failed")).total).toBe(2);
    expect((await list("code=TOO_LONG")).rows.map((r) => r.id)).toEqual([ids.tooLong]);
    // `to` is inclusive: 23:59:59 on the 25th is in, midnight on the 26th is out.
    const range = await list("from=2026-11-20&to=2026-11-25");
    expect(range.rows.map((r) => r.id).sort()).toEqual([ids.renderFail, ids.tooLong].sort());
  });

  it("sorts by processing time with unknown durations last, and pages", async () => {
    const slowest = await list("sort=duration&dir=desc&size=25");
    expect(slowest.rows.slice(0, 2).map((r) => r.processingMs)).toEqual([999_000, 10_000]);
    expect(slowest.rows.at(-1)?.processingMs).toBeNull();
    const fastest = await list("sort=duration&dir=asc");
    expect(fastest.rows[0]?.processingMs).toBe(1000);
    expect(fastest.rows.at(-1)?.processingMs).toBeNull();

    const page1 = await listJobs(db, { ...parseJobFilter({}), size: 25 }, "admin");
    expect(page1).toMatchObject({ total: 14, page: 1, pageCount: 1 });
    const beyond = await list("page=99");
    expect(beyond.page).toBe(1);
  });

  it("bulk retry selects only failed jobs matching the filter, oldest first, capped", async () => {
    expect(await failedJobIds(db, parseJobFilter({}), 500, "admin")).toEqual({
      ids: [ids.renderFail, ids.tooLong],
      matched: 2,
    });
    expect(await failedJobIds(db, parseJobFilter({}), 1, "admin")).toEqual({ ids: [ids.renderFail], matched: 2 });
    expect(await failedJobIds(db, parseJobFilter({ code: "TOO_LONG" }), 500, "admin")).toEqual({
      ids: [ids.tooLong],
      matched: 1,
    });
    expect(await failedJobIds(db, parseJobFilter({ status: "completed" }), 500, "admin")).toEqual({
      ids: [],
      matched: 0,
    });
  });
});

describe("overview", () => {
  it("counts per hour, percentiles of the last 24 h and the queue backlog", async () => {
    const queue = createCaptionQueue(redis, `test-overview-${randomBytes(4).toString("hex")}`);
    try {
      const payload = (id: string): CaptionJobPayload => ({ jobId: id });
      await queue.add("caption", payload(newJobId()));
      await queue.add("caption", payload(newJobId()), { delay: 60_000 });
      const overview = await getOverview({ db, queue }, NOW);

      expect(overview.byStatus).toEqual({
        queued: 1,
        processing: 0,
        completed: 11,
        failed: 2,
        canceled: 0,
        expired: 0,
      });
      expect(overview.queue).toEqual({ waiting: 1, active: 0, delayed: 1 });
      expect(overview.hourly).toHaveLength(24);
      expect(overview.hourly.at(-1)?.hour.toISOString()).toBe("2026-11-28T12:00:00.000Z");
      expect(overview.hourly.reduce((n, b) => n + b.completed, 0)).toBe(10);
      expect(overview.hourly.reduce((n, b) => n + b.failed, 0)).toBe(2);
      expect(overview.hourly.find((b) => b.hour.toISOString() === "2026-11-28T12:00:00.000Z")).toMatchObject({
        completed: 0,
        failed: 1,
      });
      // percentile_cont over 1..10 s: p50 = 5.5 s, p95 = 9.55 s; the month-old 999 s job is outside the window.
      expect(overview.processing).toEqual({ p50: 5500, p95: 9550, count: 10 });
      expect(overview.latestFailures.map((f) => f.errorCode)).toEqual(["RENDER_FAILED", "TOO_LONG"]);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
