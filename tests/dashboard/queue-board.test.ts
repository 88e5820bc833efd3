import type { AddressInfo } from "node:net";
import { type Queue, Worker } from "bullmq";
import express from "express";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBoards } from "../../dashboard/boards";
import { createBoardQueues } from "../../dashboard/queues";
import { QUEUE_STATES } from "../../lib/jobs/queue-stats";
import { MAINTENANCE_QUEUE, RETENTION_JOB_NAME, RETENTION_SCHEDULER_ID } from "../../lib/jobs/retention";
import { QUEUE_BOARD_PATH } from "../../lib/queue-board";
import { forwardToDashboard } from "../../lib/queue-board/proxy";
import { submitJob, uploadFile, waitForJob } from "../support/api-client";
import { makeSpeechVideo } from "../support/make-media";
import { type ManagedProcess, type Stack, startStack, waitFor } from "../support/stack";
import { createStaff, type StaffMember, sessionCookie, waitForDashboard } from "./staff";

// The queue board end to end: the dashboard process on its own port and through the app's proxy, with
// real sessions, a real worker failing real jobs (TOO_LONG under MAX_DURATION_SEC=1), and an admin
// retrying them from the board until Postgres says completed.

let stack: Stack;
let admin: StaffMember;
let ops: StaffMember;
let support: StaffMember;
let redis: Redis;
let queue: Queue;
/** Two jobs that failed for real (TOO_LONG), and one left waiting (no worker running). */
let failedA: string;
let failedB: string;
let waiting: string;

const board = (base: string, rest = "") => `${base}${QUEUE_BOARD_PATH}/${rest}`;

beforeAll(async () => {
  stack = await startStack({ dashboard: true, worker: false });
  await waitForDashboard(stack);
  [admin, ops, support] = await Promise.all([
    createStaff(stack, "admin"),
    createStaff(stack, "ops"),
    createStaff(stack, "support"),
  ]);
  redis = new Redis(stack.env.REDIS_URL ?? "", { maxRetriesPerRequest: 1 });
  queue = createBoardQueues(redis, stack.env.QUEUE_PREFIX ?? "")[0]?.queue as Queue;

  // 2.5 s of speech: over a 1 s limit, so a worker started with MAX_DURATION_SEC=1 fails it for good.
  const clip = await makeSpeechVideo({ script: "The queue board retries this job." });
  const strict = await stack.startWorker({ MAX_DURATION_SEC: "1" });
  [failedA, failedB] = await Promise.all([submitClip(clip.path), submitClip(clip.path)]);
  for (const id of [failedA, failedB]) {
    const job = await waitForJob(stack.baseUrl, id, { timeoutMs: 60_000 });
    expect(job.error?.code, JSON.stringify(job)).toBe("TOO_LONG");
  }
  await stopWorker(strict);
  waiting = await submitClip(clip.path);
});

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await stack?.stop();
});

async function submitClip(file: string): Promise<string> {
  const key = await uploadFile(stack.baseUrl, file);
  return submitJob(stack.baseUrl, { key });
}

async function stopWorker(worker: ManagedProcess) {
  expect(await worker.stop(30_000)).toBe(0);
  stack.workers.splice(stack.workers.indexOf(worker), 1);
}

function get(url: string, cookie?: string) {
  return fetch(url, { headers: cookie ? { cookie } : {}, redirect: "manual" });
}

/** What a queue action could change: every state's job ids, each job's data/options, the pause flag. */
async function queueSnapshot() {
  const states = await Promise.all(
    QUEUE_STATES.map(async (state) => {
      const jobs = await queue.getJobs([state]);
      return [state, jobs.map((job) => ({ id: job.id, data: job.data, opts: job.opts })).sort(byId)] as const;
    }),
  );
  return {
    states: Object.fromEntries(states),
    paused: await queue.isPaused(),
    concurrency: await queue.getGlobalConcurrency(),
  };
}
const byId = (a: { id?: string }, b: { id?: string }) => String(a.id).localeCompare(String(b.id));

/** Every kind of write Bull Board 9.10.1 offers (its dist/routes.js), with bodies its schemas accept. */
function boardWrites(): { method: string; path: string; body?: unknown }[] {
  const q = "api/queues/captions";
  return [
    { method: "PUT", path: `${q}/${failedA}/retry` },
    { method: "PUT", path: `${q}/retry/failed` },
    { method: "PUT", path: `${q}/retry/completed` },
    { method: "PUT", path: `${q}/${failedA}/clean` },
    { method: "PUT", path: `${q}/clean/failed` },
    { method: "PUT", path: `${q}/clean/waiting` },
    { method: "PUT", path: `${q}/${waiting}/promote` },
    { method: "PUT", path: `${q}/promote` },
    { method: "PUT", path: `${q}/pause` },
    { method: "PUT", path: `${q}/resume` },
    { method: "PUT", path: "api/queues/pause" },
    { method: "PUT", path: "api/queues/resume" },
    { method: "PUT", path: `${q}/empty` },
    { method: "PUT", path: `${q}/obliterate`, body: { force: true } },
    { method: "POST", path: `${q}/add`, body: { name: "caption", data: { jobId: failedA }, options: {} } },
    { method: "PATCH", path: `${q}/${waiting}/update-data`, body: { jobData: { jobId: failedB } } },
    { method: "PATCH", path: `${q}/${waiting}/priority`, body: { priority: 5 } },
    { method: "PATCH", path: `${q}/${waiting}/delay`, body: { runAt: Date.now() + 60_000 } },
    { method: "PUT", path: `${q}/concurrency`, body: { concurrency: 1 } },
    { method: "PUT", path: `${q}/rate-limit`, body: { max: 1, duration: 1000 } },
    { method: "PUT", path: `${q}/rate-limit/release` },
    { method: "PUT", path: `${q}/${waiting}/remove-unprocessed-children` },
    { method: "PUT", path: `${q}/job-schedulers/nightly/remove` },
    { method: "PATCH", path: `${q}/job-schedulers/nightly`, body: { every: 60_000 } },
    { method: "PUT", path: `${q}/job-schedulers/nightly/run` },
  ];
}

/**
 * A board write as the board page sends it: the browser adds the page's Origin (override it in `headers`;
 * an empty value leaves the header out).
 */
function send(url: string, write: { method: string; body?: unknown }, headers: Record<string, string>) {
  const merged = {
    origin: new URL(url).origin,
    ...headers,
    ...(write.body ? { "content-type": "application/json" } : {}),
  };
  return fetch(url, {
    method: write.method,
    headers: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== "")),
    body: write.body ? JSON.stringify(write.body) : undefined,
    redirect: "manual",
  });
}

describe("who may open the board", () => {
  test("the dashboard port: no or invalid session → 401, support → 403, ops and admin → the board", async () => {
    const page = board(stack.dashboardUrl);
    const api = board(stack.dashboardUrl, "api/queues");
    const otherSecret = await sessionCookie(
      stack,
      { sub: admin.id, email: admin.email, role: "admin" },
      "x".repeat(32),
    );
    const unknownUser = await sessionCookie(stack, {
      sub: "no-such-user",
      email: "ghost@captioner.test",
      role: "admin",
    });
    for (const cookie of [undefined, "next-auth.session-token=garbage", otherSecret, unknownUser]) {
      for (const url of [page, api, board(stack.dashboardUrl, "static/favicon.ico")]) {
        const res = await get(url, cookie);
        expect(res.status, `${url} with ${cookie?.slice(0, 40)}`).toBe(401);
        expect(await res.text()).not.toContain("captions");
      }
    }
    const forbidden = await get(api, support.cookie);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).not.toContain("captions");

    for (const member of [ops, admin]) {
      const html = await get(page, member.cookie);
      expect(html.status).toBe(200);
      // Bull Board's <base href> must be the path the browser sees through the app.
      expect(await html.text()).toContain(`<base href="${QUEUE_BOARD_PATH}/"`);
      const res = await get(api, member.cookie);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
      // Split jobs' segments are shown to ops and admins alike, without actions (the console owns them).
      expect(body.queues.map((q) => [q.name, q.readOnlyMode])).toEqual([
        ["captions", member.role === "ops"],
        ["caption-segments", true],
        ["maintenance", true],
      ]);
    }
  });

  test("a role changed in the database takes effect at the next request", async () => {
    const demoted = await createStaff(stack, "ops");
    expect((await get(board(stack.dashboardUrl, "api/queues"), demoted.cookie)).status).toBe(200);
    await stack.db.user.update({ where: { id: demoted.id }, data: { role: "support" } });
    expect((await get(board(stack.dashboardUrl, "api/queues"), demoted.cookie)).status).toBe(403);
  });

  test("/healthz needs no session and tells nothing about the queue", async () => {
    const res = await fetch(`${stack.dashboardUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  test("through the app: /admin/queues redirects to sign-in, 403 for support, the framed board for ops", async () => {
    const anonymous = await get(`${stack.baseUrl}/admin/queues`);
    expect(anonymous.status).toBeGreaterThanOrEqual(300);
    expect(anonymous.status).toBeLessThan(400);
    expect(new URL(anonymous.headers.get("location") ?? "", stack.baseUrl).pathname).toBe("/signin");

    const refused = await get(`${stack.baseUrl}/admin/queues`, support.cookie);
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain(QUEUE_BOARD_PATH);

    const page = await get(`${stack.baseUrl}/admin/queues`, ops.cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(new RegExp(`<iframe[^>]*src="${QUEUE_BOARD_PATH}/"`));
    expect(html).toMatch(/<iframe[^>]*title="Queue board \(Bull Board\)"/);

    // The proxy forwards the session; the dashboard decides.
    const api = await get(board(stack.baseUrl, "api/queues"), ops.cookie);
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(body.queues[0]?.name).toBe("captions");
    expect(body.queues[0]?.counts).toMatchObject({ failed: 2, waiting: 1 });
    expect((await get(board(stack.baseUrl, "api/queues"), support.cookie)).status).toBe(403);
    const asset = await get(board(stack.baseUrl, "static/favicon-32x32.png"), ops.cookie);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await asset.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  test("the proxy forwards nothing outside the board, whatever the path says", async () => {
    // Next normalises such paths before routing; the proxy must hold on its own (e.g. if mounted elsewhere).
    for (const outside of ["/metrics", `${QUEUE_BOARD_PATH}/%2e%2e/%2e%2e/%2e%2e/metrics`, "/admin/queues/boardx"]) {
      const res = await forwardToDashboard(new Request(`${stack.baseUrl}${outside}`), stack.dashboardUrl);
      expect(res.status, outside).toBe(404);
      expect(await res.text()).not.toContain("captioner_queue_jobs");
    }
    const inside = await forwardToDashboard(
      new Request(board(stack.baseUrl, "api/queues"), { headers: { cookie: ops.cookie } }),
      stack.dashboardUrl,
    );
    expect(inside.status).toBe(200);
  });
});

describe("ops can look but not act", () => {
  test("every write is refused (403) on the dashboard port and through the app, and the queue is unchanged", async () => {
    const before = await queueSnapshot();
    expect(before.states.failed?.map((job) => job.id).sort()).toEqual([failedA, failedB].sort());
    for (const base of [stack.dashboardUrl, stack.baseUrl]) {
      for (const write of boardWrites()) {
        const res = await send(board(base, write.path), write, { cookie: ops.cookie });
        expect(res.status, `${write.method} ${write.path} via ${base}`).toBe(403);
      }
    }
    expect(await queueSnapshot()).toEqual(before);
    const rows = await stack.db.job.findMany({ where: { id: { in: [failedA, failedB] } } });
    expect(rows.map((row) => row.status)).toEqual(["failed", "failed"]);
  });

  test("the read-only board refuses queue actions by itself too (405), even with no gate in front", async () => {
    // Bull Board's own layer, mounted bare: proves the second lock holds if the first one is removed.
    const boards = createBoards(createBoardQueues(redis, stack.env.QUEUE_PREFIX ?? ""));
    const app = express().use(QUEUE_BOARD_PATH, boards.ops);
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const bare = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const before = await queueSnapshot();
      for (const write of boardWrites().filter((w) => w.path.startsWith("api/queues/captions/"))) {
        const res = await send(board(bare, write.path), write, {});
        expect(res.status, `${write.method} ${write.path}`).toBe(405);
      }
      for (const write of boardWrites().filter((w) => !w.path.startsWith("api/queues/captions/"))) {
        await send(board(bare, write.path), write, {}); // pause/resume-all: no queue is writable
      }
      expect(await queueSnapshot()).toEqual(before);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("split jobs' segments on the board", () => {
  test("even an admin's board only shows them: every queue action on caption-segments is refused (405)", async () => {
    // Bull Board's own layer, mounted bare (no gate in front): the segment queue is read-only by itself.
    const queues = createBoardQueues(redis, stack.env.QUEUE_PREFIX ?? "");
    const segments = queues.find((entry) => entry.queue.name === "caption-segments")?.queue as Queue;
    const app = express().use(QUEUE_BOARD_PATH, createBoards(queues).admin);
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const bare = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const q = "api/queues/caption-segments";
      for (const write of [
        { method: "PUT", path: `${q}/pause` },
        { method: "PUT", path: `${q}/empty` },
        { method: "PUT", path: `${q}/clean/waiting` },
        { method: "PUT", path: `${q}/retry/failed` },
        { method: "PUT", path: `${q}/obliterate`, body: { force: true } },
      ]) {
        const res = await send(board(bare, write.path), write, {});
        expect(res.status, `${write.method} ${write.path}`).toBe(405);
      }
      expect(await segments.isPaused()).toBe(false);
      // The captions queue stays the admin's to act on.
      const listed = (await (await fetch(board(bare, "api/queues"))).json()) as {
        queues: { name: string; readOnlyMode: boolean }[];
      };
      expect(listed.queues.map((entry) => [entry.name, entry.readOnlyMode])).toEqual([
        ["captions", false],
        ["caption-segments", true],
        ["maintenance", true],
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await Promise.all(queues.map((entry) => entry.queue.close()));
    }
  });
});

describe("the retention sweeps on the board", () => {
  test("an admin's board shows the maintenance queue's sweeps, but retrying or removing one answers 405", async () => {
    // Bull Board's own layer, mounted bare (no gate in front): the maintenance queue is read-only by itself.
    const queues = createBoardQueues(redis, stack.env.QUEUE_PREFIX ?? "");
    const maintenance = queues.find((entry) => entry.queue.name === MAINTENANCE_QUEUE)?.queue as Queue;
    // Two sweeps as the workers leave them (none runs here): one failed, one waiting for a worker.
    const failed = await maintenance.add(
      RETENTION_JOB_NAME,
      { inputDays: 7, outputDays: 30 },
      { jobId: "sweep-failed" },
    );
    // Taken and failed by hand (BullMQ's manual processing), as a worker whose storage was down leaves it.
    const takerConnection = new Redis(stack.env.REDIS_URL ?? "", { maxRetriesPerRequest: null });
    const taker = new Worker(MAINTENANCE_QUEUE, null, {
      connection: takerConnection,
      prefix: stack.env.QUEUE_PREFIX ?? "",
    });
    const taken = await taker.getNextJob("board-test");
    expect(taken?.id).toBe(failed.id);
    await taken?.moveToFailed(new Error("storage unreachable"), "board-test", false);
    await taker.close();
    takerConnection.disconnect();
    const waitingSweep = await maintenance.add(
      RETENTION_JOB_NAME,
      { inputDays: 7, outputDays: 30 },
      { jobId: "sweep-waiting" },
    );
    const app = express().use(QUEUE_BOARD_PATH, createBoards(queues).admin);
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const bare = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const before = await Promise.all(
        [failed.id, waitingSweep.id].map(async (id) => (await maintenance.getJob(id ?? ""))?.getState()),
      );
      const listed = (await (
        await fetch(board(bare, `api/queues?activeQueue=${MAINTENANCE_QUEUE}&status=latest`))
      ).json()) as {
        queues: { name: string; readOnlyMode: boolean; allowRetries: boolean; jobs: { id: string }[] }[];
      };
      const shown = listed.queues.find((entry) => entry.name === MAINTENANCE_QUEUE);
      expect(shown).toMatchObject({ readOnlyMode: true, allowRetries: false });
      // Beside the scheduler's next sweep (the worker started above registered it).
      expect(shown?.jobs.map((job) => job.id)).toEqual(expect.arrayContaining(["sweep-failed", "sweep-waiting"]));
      const scheduler = await maintenance.getJobScheduler(RETENTION_SCHEDULER_ID);
      expect(scheduler?.every).toBeGreaterThan(0);
      const q = `api/queues/${MAINTENANCE_QUEUE}`;
      for (const write of [
        { method: "PUT", path: `${q}/sweep-failed/retry` },
        { method: "PUT", path: `${q}/retry/failed` },
        { method: "PUT", path: `${q}/sweep-waiting/clean` },
        { method: "PUT", path: `${q}/sweep-failed/clean` },
        { method: "PUT", path: `${q}/sweep-waiting/promote` },
        { method: "PUT", path: `${q}/clean/failed` },
        { method: "PUT", path: `${q}/empty` },
        { method: "PUT", path: `${q}/pause` },
        { method: "PUT", path: `${q}/job-schedulers/${RETENTION_SCHEDULER_ID}/remove` },
        { method: "PUT", path: `${q}/job-schedulers/${RETENTION_SCHEDULER_ID}/run` },
        { method: "PATCH", path: `${q}/job-schedulers/${RETENTION_SCHEDULER_ID}`, body: { every: 1000 } },
        { method: "PUT", path: `${q}/obliterate`, body: { force: true } },
      ]) {
        const res = await send(board(bare, write.path), write, {});
        expect(res.status, `${write.method} ${write.path}`).toBe(405);
      }
      const after = await Promise.all(
        [failed.id, waitingSweep.id].map(async (id) => (await maintenance.getJob(id ?? ""))?.getState()),
      );
      expect(after).toEqual(before);
      expect(before).toEqual(["failed", "waiting"]);
      expect(await maintenance.isPaused()).toBe(false);
      expect(await maintenance.getJobScheduler(RETENTION_SCHEDULER_ID)).toEqual(scheduler);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([failed.remove(), waitingSweep.remove()]);
      await Promise.all(queues.map((entry) => entry.queue.close()));
    }
  });
});

describe("admins cannot desynchronise the queue from Postgres", () => {
  test("emptying, obliterating, adding, repointing or removing unfinished jobs is refused (409) and changes nothing", async () => {
    const before = await queueSnapshot();
    const q = "api/queues/captions";
    const writes = [
      { method: "PUT", path: `${q}/empty` },
      { method: "PUT", path: `${q}/obliterate`, body: { force: true } },
      { method: "POST", path: `${q}/add`, body: { name: "caption", data: { jobId: failedA }, options: {} } },
      { method: "PATCH", path: `${q}/${waiting}/update-data`, body: { jobData: { jobId: failedB } } },
      { method: "PUT", path: `${q}/clean/waiting` },
      { method: "PUT", path: `${q}/${waiting}/clean` },
    ];
    for (const write of writes) {
      const res = await send(board(stack.dashboardUrl, write.path), write, { cookie: admin.cookie });
      expect(res.status, `${write.method} ${write.path}`).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("USE_THE_CONSOLE");
    }
    expect(await queueSnapshot()).toEqual(before);
  });
});

describe("admins retry from the board and Postgres follows", () => {
  test("a cross-site write is refused even for an admin", async () => {
    const res = await send(
      board(stack.baseUrl, `api/queues/captions/${failedA}/retry`),
      { method: "PUT" },
      {
        cookie: admin.cookie,
        "sec-fetch-site": "cross-site",
      },
    );
    expect(res.status).toBe(403);
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: failedA } })).status).toBe("failed");
  });

  test.each([
    { name: "a foreign Origin", headers: { origin: "https://evil.example" } },
    { name: "the same host on another port", headers: { origin: "http://127.0.0.1:1" } },
    { name: "no Origin and no Sec-Fetch-Site", headers: { origin: "" } },
  ])("a write with $name is refused, through the app and on the dashboard's port", async ({ headers }) => {
    for (const base of [stack.baseUrl, stack.dashboardUrl]) {
      const res = await send(
        board(base, `api/queues/captions/${failedA}/retry`),
        { method: "PUT" },
        { cookie: admin.cookie, ...headers },
      );
      expect(res.status, base).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("CSRF");
    }
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: failedA } })).status).toBe("failed");
  });

  test("retry one job, then the rest in bulk: rows go back to queued, then to completed", async () => {
    const retry = await send(
      board(stack.baseUrl, `api/queues/captions/${failedA}/retry`),
      { method: "PUT" },
      {
        cookie: admin.cookie,
      },
    );
    expect(retry.status, await retry.text()).toBe(204);
    // No worker is running yet: the row sits where the retry put it.
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: failedA } });
    expect(row).toMatchObject({ status: "queued", progress: 0, phase: null, errorCode: null, errorMessage: null });
    expect(row.errorDetail).toBeNull();
    expect(row.finishedAt).toBeNull();
    expect(await (await queue.getJob(failedA))?.getState()).toBe("waiting");
    const event = await stack.db.jobEvent.findFirstOrThrow({ where: { jobId: failedA, type: "retried" } });
    expect(event.message).toBe(`Retried from the queue board by ${admin.email}`);
    const audit = await stack.db.auditLog.findFirstOrThrow({ where: { jobId: failedA } });
    expect(audit).toMatchObject({
      action: "job.retry",
      userId: admin.id,
      userEmail: admin.email,
      data: { via: "queue-board" },
    });
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: failedB } })).status).toBe("failed");

    const bulk = await send(
      board(stack.baseUrl, "api/queues/captions/retry/failed"),
      { method: "PUT" },
      {
        cookie: admin.cookie,
      },
    );
    expect(bulk.status).toBe(200);
    expect(await bulk.json()).toEqual({ retried: 1, skipped: 0 });
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: failedB } })).status).toBe("queued");
    expect(await stack.db.auditLog.count({ where: { action: "job.retry" } })).toBe(2);

    await stack.startWorker(); // the normal duration limit
    for (const id of [failedA, failedB, waiting]) {
      const job = await waitForJob(stack.baseUrl, id, { timeoutMs: 90_000 });
      expect(job.status, JSON.stringify(job.error)).toBe("completed");
    }
    const done = await stack.db.job.findUniqueOrThrow({ where: { id: failedA } });
    expect(done).toMatchObject({ status: "completed", progress: 100, errorCode: null });
    expect(done.outputVideoKey).toMatch(new RegExp(`^rendered/${failedA}-`));
  });

  test("a completed job is not retried (409) and stays completed", async () => {
    await waitFor(async () => (await (await queue.getJob(failedA))?.getState()) === "completed", {
      what: "BullMQ to record the completion",
    });
    const res = await send(
      board(stack.dashboardUrl, `api/queues/captions/${failedA}/retry`),
      { method: "PUT" },
      {
        cookie: admin.cookie,
      },
    );
    expect(res.status).toBe(409);
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: failedA } })).status).toBe("completed");
    expect(await (await queue.getJob(failedA))?.getState()).toBe("completed");
  });
});

test("SIGTERM stops the dashboard at once and cleanly, even with a board tab's connection open", async () => {
  const dashboard = stack.dashboard;
  if (!dashboard) throw new Error("no dashboard");
  // A polling board keeps its keep-alive connection open between requests.
  expect((await get(board(stack.dashboardUrl, "api/queues"), ops.cookie)).status).toBe(200);
  const started = performance.now();
  expect(await dashboard.stop(10_000)).toBe(0);
  expect(performance.now() - started).toBeLessThan(3_000);
  expect(dashboard.output()).toContain("dashboard stopped");
});
