import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  createMaintenanceQueue,
  DAY_MS,
  deleteJobInput,
  expireJob,
  RETENTION_SCHEDULER_ID,
  type RetentionDeps,
  sweepRetention,
} from "../../lib/jobs/retention";
import { createLogger } from "../../lib/logger";
import { countJobOutcomes } from "../../lib/metrics/job-outcomes";
import { LocalStorage, S3Storage, splitWorkKey } from "../../lib/storage";
import type { PublicJob } from "../../lib/video/job-status";
import { expectApiError, showServerLogOnFailure } from "../api/api-http";
import { freePort, type Stack, startStack, waitFor } from "../support/stack";
import { existing, storedJob } from "../support/stored-job";

// Retention against the real stack: rows in Postgres, objects written through the local storage driver
// (files that really disappear), the public API of `next start`. The sweep takes its clock as a parameter,
// so the tests move it days ahead; the last test lets a real worker run it from its BullMQ job scheduler.

let stack: Stack;
let storage: LocalStorage;
let deps: RetentionDeps;
const POLICY = { inputDays: 7, outputDays: 30 };

beforeAll(async () => {
  stack = await startStack({ worker: false });
  storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
  deps = { db: stack.db, storage, log: createLogger("retention-test", "silent") };
});
afterAll(async () => {
  await stack?.stop();
  if (stack) {
    // The workers' scheduler outlives them in Redis: remove the suite's maintenance queue.
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    await createMaintenanceQueue(redis, stack.env.QUEUE_PREFIX ?? "")
      .obliterate({ force: true })
      .catch(() => {});
    redis.disconnect();
  }
});
showServerLogOnFailure(() => stack?.app.output());

const days = (start: Date, n: number) => new Date(start.getTime() + n * DAY_MS);

async function publicJob(id: string): Promise<PublicJob> {
  const res = await fetch(`${stack.baseUrl}/api/video/job/${id}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as PublicJob;
}

describe("retention sweep with a clock you can move", () => {
  test("inputs go after 7 days, everything after 30 (the job reads expired); unfinished jobs are never touched", async () => {
    const t0 = new Date(Date.now() - 60_000);
    // Two caption versions: the sweep must find the first version's outputs too, not only the row's.
    const edited = await storedJob(stack.db, storage, { status: "completed", finishedAt: t0, versions: 2 });
    const failed = await storedJob(stack.db, storage, { status: "failed", finishedAt: t0 });
    const canceled = await storedJob(stack.db, storage, { status: "canceled", finishedAt: t0 });
    const processing = await storedJob(stack.db, storage, { status: "processing", finishedAt: null, createdAt: t0 });
    const queued = await storedJob(stack.db, storage, { status: "queued", finishedAt: null, createdAt: t0 });
    const younger = await storedJob(stack.db, storage, { status: "completed", finishedAt: days(t0, 5) });
    const all = [edited, failed, canceled, processing, queued, younger];
    const everyKey = all.flatMap((job) => [job.inputKey, ...job.outputKeys]);
    expect(await existing(storage, everyKey)).toHaveLength(everyKey.length);
    const before = await publicJob(edited.id);
    const oldSrtUrl = before.result?.srtUrl ?? "";
    expect((await fetch(oldSrtUrl)).status).toBe(200);

    // Day 6: nothing is due.
    expect(await sweepRetention(deps, POLICY, days(t0, 6))).toEqual({
      inputsDeleted: 0,
      jobsExpired: 0,
      storageErrors: 0,
      objectsDeleted: 0,
    });
    expect(await existing(storage, everyKey)).toHaveLength(everyKey.length);

    // Day 8: the inputs of the three jobs that finished on day 0, nothing else.
    const day8 = days(t0, 8);
    expect(await sweepRetention(deps, POLICY, day8)).toMatchObject({ inputsDeleted: 3, jobsExpired: 0 });
    expect(await existing(storage, [edited.inputKey, failed.inputKey, canceled.inputKey])).toEqual([]);
    expect(await existing(storage, [processing.inputKey, queued.inputKey, younger.inputKey])).toHaveLength(3);
    expect(await existing(storage, edited.outputKeys)).toHaveLength(6);
    const afterInput = await publicJob(edited.id);
    // No worker has written a schedule in this file yet: the API does not guess the deadlines.
    expect(afterInput).toMatchObject({
      status: "completed",
      inputDeletedAt: day8.toISOString(),
      expiry: null,
      inputExpiresAt: null,
      expiresAt: null,
    });
    expect(await download(afterInput.result?.vttUrl)).toBe(200);
    const events = await stack.db.jobEvent.findMany({ where: { jobId: edited.id, type: "input_deleted" } });
    expect(events).toHaveLength(1);
    expect(events[0]?.message).toContain("8 days after the job finished");
    // Idempotent: the same sweep again finds nothing to do.
    expect(await sweepRetention(deps, POLICY, day8)).toMatchObject({ inputsDeleted: 0, jobsExpired: 0 });

    // Day 31: every file of the day-0 jobs; the day-5 job (26 days) loses only its input.
    const day31 = days(t0, 31);
    expect(await sweepRetention(deps, POLICY, day31)).toMatchObject({
      jobsExpired: 3,
      inputsDeleted: 1,
      storageErrors: 0,
    });
    expect(await existing(storage, [...edited.outputKeys, ...failed.outputKeys, ...canceled.outputKeys])).toEqual([]);
    expect(await existing(storage, [younger.inputKey])).toEqual([]);
    expect(await existing(storage, younger.outputKeys)).toHaveLength(3);
    expect(await existing(storage, [processing.inputKey, queued.inputKey])).toHaveLength(2);
    const rows = await stack.db.job.findMany({ where: { id: { in: all.map((job) => job.id) } } });
    const statusOf = Object.fromEntries(rows.map((row) => [row.id, row.status]));
    expect(statusOf).toEqual({
      [edited.id]: "expired",
      [failed.id]: "expired",
      [canceled.id]: "expired",
      [processing.id]: "processing",
      [queued.id]: "queued",
      [younger.id]: "completed",
    });
    // The words went with the files.
    expect(await stack.db.jobTranscript.count({ where: { jobId: edited.id } })).toBe(0);
    const versions = await stack.db.jobCaptionVersion.findMany({ where: { jobId: edited.id } });
    expect(versions.map((v) => v.cues)).toEqual([[], []]);

    // What an API consumer sees: expired, no download URLs, why; the URL it kept is 410, not 500.
    const expired = await publicJob(edited.id);
    expect(expired).toMatchObject({
      status: "expired",
      result: null,
      inputDeletedAt: day8.toISOString(),
      expiry: { reason: "retention", deletedAt: day31.toISOString() },
    });
    expect(expired.expiry?.message).toContain("deleted 31 days after it finished");
    await expectApiError(await fetch(oldSrtUrl), 410, "FILE_DELETED");
    await expectApiError(await fetch(`${stack.baseUrl}/api/video/job/${edited.id}/captions`), 410, "JOB_EXPIRED");
    // The failed job keeps the reason it failed; its status says the files are gone.
    expect(await publicJob(failed.id)).toMatchObject({ status: "expired", error: { code: "RENDER_FAILED" } });
    // What /metrics counts (captioner_jobs_expired_total{reason}).
    expect((await countJobOutcomes(stack.db)).expiredByReason).toEqual({ retention: 3, purged: 0 });
  });

  test("a completed job whose input is gone cannot be edited: 409 INPUT_EXPIRED, nothing queued", async () => {
    const t0 = new Date(Date.now() - 60_000);
    const job = await storedJob(stack.db, storage, { status: "completed", finishedAt: t0 });
    await sweepRetention(deps, { inputDays: 7, outputDays: 0 }, days(t0, 8));
    const res = await fetch(`${stack.baseUrl}/api/video/job/${job.id}/captions`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${job.manageToken}` },
      body: JSON.stringify({ version: 1, cues: [{ start: 0.5, end: 2.5, text: "Edited words." }] }),
    });
    const error = await expectApiError(res, 409, "INPUT_EXPIRED");
    expect(error.message).toContain("under the retention policy");
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect({ status: row.status, captionVersion: row.captionVersion }).toEqual({
      status: "completed",
      captionVersion: 1,
    });
    // RETENTION_DAYS_OUTPUT=0 keeps the outputs forever, however late the sweep.
    await sweepRetention(deps, { inputDays: 7, outputDays: 0 }, days(t0, 3650));
    expect(await existing(storage, job.outputKeys)).toHaveLength(3);
  });

  test("a split job's leftover work files (no row names them) go with its input, and at expiry", async () => {
    // Left under work/<jobId>/<run>/ by a split run no worker finished (killed, or removed from Redis):
    // the run id is in no column, so retention must find them by listing the job's prefix.
    const t0 = new Date(Date.now() - 60_000);
    const withInput = await storedJob(stack.db, storage, { status: "canceled", finishedAt: t0 });
    const expiring = await storedJob(stack.db, storage, { status: "completed", finishedAt: t0 });
    const work = async (jobId: string) => {
      const keys = ["seg-0.mp4", "audio-0.wav", "plan.json"].map((name) => splitWorkKey(jobId, "r1Xy", name));
      keys.push(splitWorkKey(jobId, "older", "rendered-1.mp4"));
      for (const key of keys) await storage.putStream(key, Readable.from([randomBytes(512)]), { contentType: "x/y" });
      return keys;
    };
    const inputWork = await work(withInput.id);
    const expiryWork = await work(expiring.id);
    // A neighbour whose id merely starts with the job's keeps its files.
    const neighbour = splitWorkKey(`${withInput.id}0`, "r1Xy", "seg-0.mp4");
    await storage.putStream(neighbour, Readable.from([randomBytes(64)]), { contentType: "x/y" });

    // RETENTION_DAYS_INPUT: the work files are pieces of the input, they go with it.
    const cutoff = days(t0, 1);
    const due = await stack.db.job.findUniqueOrThrow({ where: { id: withInput.id } });
    expect(await deleteJobInput(deps, due, { now: days(t0, 8), cutoff })).toBe("deleted");
    expect(await existing(storage, [withInput.inputKey, ...inputWork])).toEqual([]);
    expect(await existing(storage, [neighbour])).toEqual([neighbour]);

    // Expiry: input, outputs and work files, all counted.
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: expiring.id } });
    const expired = await expireJob(deps, row, { now: days(t0, 31), reason: "retention", cutoff });
    expect(expired).toEqual({ outcome: "deleted", objects: 1 + 3 + expiryWork.length });
    expect(await existing(storage, [expiring.inputKey, ...expiring.outputKeys, ...expiryWork])).toEqual([]);
    await storage.delete(neighbour);
  });

  test("storage unreachable: the row stays as it was and the next sweep deletes the files", async () => {
    const t0 = new Date(Date.now() - 60_000);
    const job = await storedJob(stack.db, storage, { status: "completed", finishedAt: t0 });
    const other = await storedJob(stack.db, storage, { status: "completed", finishedAt: new Date(t0.getTime() + 1) });
    // The s3 driver against a port nothing listens on: every delete fails with a connection error.
    const port = await freePort();
    const unreachable = new S3Storage({
      endpoint: `http://127.0.0.1:${port}`,
      bucket: "captioner",
      accessKeyId: "x",
      secretAccessKey: "y",
      region: "us-east-1",
      forcePathStyle: true,
    });
    const now = days(t0, 40);
    // A whole batch refused (here: a batch of 1) means storage is down: the sweep stops instead of waiting out
    // the same timeouts for every other job.
    const report = await sweepRetention({ ...deps, storage: unreachable }, POLICY, now, { batchSize: 1 });
    expect(report).toEqual({ jobsExpired: 0, inputsDeleted: 0, storageErrors: 1, objectsDeleted: 0 });
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({
      status: "completed",
      inputDeletedAt: null,
      outputsDeletedAt: null,
      expiredReason: null,
    });
    expect(await existing(storage, [job.inputKey, ...job.outputKeys])).toHaveLength(4);
    expect((await publicJob(job.id)).status).toBe("completed");

    expect(await stack.db.job.count({ where: { id: { in: [job.id, other.id] }, status: "completed" } })).toBe(2);

    // (Jobs of the tests above are due at this clock too: count only these two.)
    expect(await sweepRetention(deps, POLICY, now, { batchSize: 1 })).toMatchObject({ storageErrors: 0 });
    expect(await stack.db.job.count({ where: { id: { in: [job.id, other.id] }, status: "expired" } })).toBe(2);
    expect(await existing(storage, [job.inputKey, ...job.outputKeys, other.inputKey])).toEqual([]);
    expect((await publicJob(job.id)).status).toBe("expired");
  });

  test("a backlog is walked in batches: every due job of several batches, each once", async () => {
    const t0 = new Date(Date.now() - 60_000);
    const jobs = [];
    for (let i = 0; i < 25; i++) {
      jobs.push(await storedJob(stack.db, storage, { status: "failed", finishedAt: new Date(t0.getTime() + i) }));
    }
    // A worker shutting down stops its sweep between jobs: aborted before the first, nothing is touched.
    const stopped = await sweepRetention(deps, { inputDays: 7, outputDays: 0 }, days(t0, 8), {
      batchSize: 10,
      signal: AbortSignal.abort(),
    });
    expect(stopped.inputsDeleted).toBe(0);
    expect(
      await existing(
        storage,
        jobs.map((job) => job.inputKey),
      ),
    ).toHaveLength(25);
    const report = await sweepRetention(deps, { inputDays: 7, outputDays: 0 }, days(t0, 8), { batchSize: 10 });
    expect(report.inputsDeleted).toBe(25);
    expect(
      await existing(
        storage,
        jobs.map((job) => job.inputKey),
      ),
    ).toEqual([]);
    expect(
      await stack.db.jobEvent.count({ where: { jobId: { in: jobs.map((j) => j.id) }, type: "input_deleted" } }),
    ).toBe(25);
  });

  test("expiry walks a backlog by age in batches, and rows finished in the same millisecond are not lost", async () => {
    const t0 = new Date(Date.now() - 60_000);
    const tied = [];
    for (let i = 0; i < 25; i++) tied.push(await storedJob(stack.db, storage, { status: "canceled", finishedAt: t0 }));
    const later = await storedJob(stack.db, storage, { status: "canceled", finishedAt: new Date(t0.getTime() + 5) });
    const ids = [...tied, later].map((job) => job.id);
    await sweepRetention(deps, POLICY, days(t0, 31), { batchSize: 10 });
    expect(await stack.db.job.count({ where: { id: { in: ids }, status: "expired" } })).toBe(26);
    expect(
      await existing(
        storage,
        [...tied, later].map((job) => job.inputKey),
      ),
    ).toEqual([]);
    expect(await stack.db.jobEvent.count({ where: { jobId: { in: ids }, type: "expired" } })).toBe(26);
  });
});

describe("the worker's job scheduler", () => {
  test("two workers register one scheduler; a worker runs the sweep and a long-finished job expires", async () => {
    // Finished 40 days ago by the real clock: the first scheduled sweep (run at once) is due to expire it.
    const job = await storedJob(stack.db, storage, { status: "completed", finishedAt: days(new Date(), -40) });
    // Submitted with an API key that has one endpoint asking for job.expired and one with the default events.
    const key = await stack.db.apiKey.create({
      data: { id: "key_retention0000000001", name: "retention", prefix: "cap_retentio", keyHash: "0".repeat(64) },
    });
    await stack.db.webhookEndpoint.createMany({
      data: [
        {
          id: "wh_expired00000001",
          apiKeyId: key.id,
          url: "https://hooks.example/expired",
          events: ["job.expired"],
          secret: "whsec_x",
        },
        {
          id: "wh_default00000001",
          apiKeyId: key.id,
          url: "https://hooks.example/default",
          events: ["job.completed", "job.failed", "job.canceled"],
          secret: "whsec_y",
        },
      ],
    });
    await stack.db.job.update({ where: { id: job.id }, data: { apiKeyId: key.id } });
    const recent = await storedJob(stack.db, storage, { status: "completed", finishedAt: new Date() });
    const env = { RETENTION_SWEEP_EVERY_MIN: "5", RETENTION_DAYS_INPUT: "7", RETENTION_DAYS_OUTPUT: "30" };
    const [first, second] = [await stack.startWorker(env), await stack.startWorker(env)];

    await waitFor(async () => (await stack.db.job.findUnique({ where: { id: job.id } }))?.status === "expired", {
      timeoutMs: 30_000,
      what: "a worker's sweep to expire the job",
    });
    expect(await existing(storage, [job.inputKey, ...job.outputKeys])).toEqual([]);
    expect(await existing(storage, [recent.inputKey, ...recent.outputKeys])).toHaveLength(4);
    expect(first.output() + second.output()).toContain("retention sweep");
    // The API announces the deadlines of the schedule the workers wrote.
    const finishedAt = Date.parse((await publicJob(recent.id)).finishedAt ?? "");
    const announced = await waitFor(
      async () => {
        const view = await publicJob(recent.id);
        return view.expiresAt ? view : null;
      },
      { what: "the API to read the workers' retention schedule" },
    );
    expect(announced).toMatchObject({
      inputExpiresAt: new Date(finishedAt + 7 * DAY_MS).toISOString(),
      expiresAt: new Date(finishedAt + 30 * DAY_MS).toISOString(),
    });

    const redis = new Redis(stack.env.REDIS_URL ?? "");
    const queue = createMaintenanceQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    try {
      expect(await queue.getJobSchedulersCount()).toBe(1);
      const scheduler = await queue.getJobScheduler(RETENTION_SCHEDULER_ID);
      expect(scheduler).toMatchObject({ every: 5 * 60_000 });
      // The next sweep is waiting its turn, about one interval away.
      expect(Number(scheduler?.next) - Date.now()).toBeGreaterThan(0);
      expect(Number(scheduler?.next) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
      expect(await queue.getDelayedCount()).toBe(1);
      // One expiry, one timeline entry, whichever worker ran it and however many sweeps ran.
      expect(await stack.db.jobEvent.count({ where: { jobId: job.id, type: "expired" } })).toBe(1);
      // The worker announced it to the endpoint that asked for job.expired, and only to that one.
      const deliveries = await stack.db.webhookDelivery.findMany({ where: { jobId: job.id } });
      expect(deliveries.map((d) => [d.endpointId, d.eventType])).toEqual([["wh_expired00000001", "job.expired"]]);
      expect(JSON.parse(deliveries[0]?.body ?? "{}")).toMatchObject({
        type: "job.expired",
        data: { jobId: job.id, job: { status: "expired", result: null, expiry: { reason: "retention" } } },
      });
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  test("a worker started with other retention settings than the schedule's warns once, naming both", async () => {
    const agreed = { RETENTION_SWEEP_EVERY_MIN: "5", RETENTION_DAYS_INPUT: "7", RETENTION_DAYS_OUTPUT: "30" };
    const first = await stack.startWorker(agreed);
    await waitFor(async () => first.output().includes("retention sweep scheduled"), { what: "the first schedule" });
    // The same settings again: nothing to say.
    const same = await stack.startWorker(agreed);
    await waitFor(async () => same.output().includes("retention sweep scheduled"), { what: "the same schedule" });
    const odd = await stack.startWorker({ ...agreed, RETENTION_DAYS_INPUT: "3", RETENTION_SWEEP_EVERY_MIN: "10" });
    await waitFor(async () => odd.output().includes("retention sweep scheduled"), {
      what: "the odd worker's schedule",
    });

    const warnings = (output: string) =>
      output.split("\n").filter((line) => line.includes("retention settings differ"));
    expect(warnings(first.output())).toEqual([]);
    expect(warnings(same.output())).toEqual([]);
    const [warning, ...more] = warnings(odd.output());
    expect(more).toEqual([]);
    const logged = JSON.parse(warning ?? "{}") as {
      level: number;
      msg: string;
      registered: unknown;
      thisWorker: unknown;
    };
    expect(logged.level).toBe(40); // pino's warn
    expect(logged.msg).toContain(
      "the schedule in Redis has RETENTION_DAYS_INPUT=7, RETENTION_DAYS_OUTPUT=30, RETENTION_SWEEP_EVERY_MIN=5",
    );
    expect(logged.msg).toContain(
      "this worker has RETENTION_DAYS_INPUT=3, RETENTION_DAYS_OUTPUT=30, RETENTION_SWEEP_EVERY_MIN=10",
    );
    expect(logged.registered).toEqual({ inputDays: 7, outputDays: 30, everyMin: 5 });
    expect(logged.thisWorker).toEqual({ inputDays: 3, outputDays: 30, everyMin: 10 });
    // Settings only: no connection string or secret of the worker's env.
    for (const secret of [stack.env.DATABASE_URL, stack.env.REDIS_URL, stack.env.STORAGE_SIGNING_SECRET]) {
      if (secret) expect(warning).not.toContain(secret);
    }
    // The last worker started still wins (the warning says so): the schedule is the odd worker's.
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    const queue = createMaintenanceQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    try {
      const scheduler = await queue.getJobScheduler(RETENTION_SCHEDULER_ID);
      expect(scheduler).toMatchObject({ every: 10 * 60_000, template: { data: { inputDays: 3, outputDays: 30 } } });
    } finally {
      await queue.close();
      redis.disconnect();
    }
    await Promise.all([first.stop(), same.stop(), odd.stop()]);
  });

  test("RETENTION_SWEEP_EVERY_MIN=0 removes the schedule", async () => {
    const worker = await stack.startWorker({ RETENTION_SWEEP_EVERY_MIN: "0" });
    await waitFor(async () => worker.output().includes("retention sweep off"), { what: "the schedule's removal" });
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    const queue = createMaintenanceQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    try {
      expect(await queue.getJobScheduler(RETENTION_SCHEDULER_ID)).toBeUndefined();
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});

async function download(url: string | undefined): Promise<number> {
  const res = await fetch(url ?? "");
  await res.arrayBuffer();
  return res.status;
}
