import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { createCaptionQueue } from "../../lib/job-contract";
import { queueJobId } from "../../lib/jobs/enqueue";
import { freePort, type ManagedProcess, type Stack, startProcess, startStack, waitFor } from "../support/stack";
import { adminPost, makeJobRow, signIn } from "./staff-sessions";

// Admin actions when Redis refuses: a retry whose enqueue fails puts the job back exactly as it was and
// answers 503; a cancel still cancels. The stack runs on a redis-server of its own, so refusing writes
// (maxmemory 1 byte, noeviction: reads work, writes fail) or stopping it disturbs nobody else.

let redisServer: ManagedProcess;
let redisUrl: string;
let stack: Stack;
let cookie: string | null;

async function startRedis(port: number): Promise<ManagedProcess> {
  const server = startProcess(
    "redis",
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { PATH: process.env.PATH, NODE_ENV: "test" },
  );
  await waitFor(async () => server.output().includes("Ready to accept connections"), {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: "redis-server to start",
  });
  return server;
}

beforeAll(async () => {
  const port = await freePort();
  redisUrl = `redis://127.0.0.1:${port}`;
  redisServer = await startRedis(port);
  stack = await startStack({ worker: false, env: { REDIS_URL: redisUrl } });
  await upsertUser(stack.db, { email: "admin@refusal.test", role: "admin", password: "admin-password-1" });
  cookie = await signIn(stack.baseUrl, "admin@refusal.test", "admin-password-1");
});

afterAll(async () => {
  await stack?.stop();
  await redisServer?.stop();
});

const fields = (id: string) =>
  stack.db.job.findUniqueOrThrow({
    where: { id },
    select: {
      status: true,
      phase: true,
      progress: true,
      errorCode: true,
      errorMessage: true,
      errorDetail: true,
      startedAt: true,
      finishedAt: true,
    },
  });

describe("admin actions when Redis refuses", () => {
  it("rolls a retry back when the enqueue is refused (503), and the next retry takes a new run number", async () => {
    const id = await makeJobRow(stack, "failed");
    const before = await fields(id);
    const control = new Redis(redisUrl);
    try {
      await control.config("SET", "maxmemory-policy", "noeviction");
      await control.config("SET", "maxmemory", "1");
      const refused = await adminPost(stack, `/api/admin/jobs/${id}/retry`, cookie);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: { code: "QUEUE_UNAVAILABLE" } });
      expect(await fields(id)).toEqual(before);
      const events = await stack.db.jobEvent.findMany({ where: { jobId: id } });
      expect(events.map((e) => e.type)).toEqual(["queued"]);
      const audit = await stack.db.auditLog.findMany({ where: { jobId: id } });
      expect(audit).toMatchObject([{ action: "job.retry_refused", data: { run: 1 } }]);

      await control.config("SET", "maxmemory", "0");
      const accepted = await adminPost(stack, `/api/admin/jobs/${id}/retry`, cookie);
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ id, status: "queued", run: 2 });
      const queue = createCaptionQueue(control, stack.env.QUEUE_PREFIX ?? "");
      expect(await queue.getJob(queueJobId(id, 2))).toBeTruthy();
      expect((await fields(id)).status).toBe("queued");
    } finally {
      await control.config("SET", "maxmemory", "0").catch(() => {});
      control.disconnect();
    }
  });

  it("with Redis gone, refuses a retry before touching the job, and still cancels a queued job", async () => {
    const failed = await makeJobRow(stack, "failed");
    const queued = await makeJobRow(stack, "queued");
    const before = await fields(failed);
    await redisServer.stop();

    const retry = await adminPost(stack, `/api/admin/jobs/${failed}/retry`, cookie);
    expect(retry.status).toBe(503);
    expect(await fields(failed)).toEqual(before);
    expect(await stack.db.auditLog.count({ where: { jobId: failed } })).toBe(0);

    // Postgres is what everyone reads: the cancel holds, and the answer says the workers were not told.
    const cancel = await adminPost(stack, `/api/admin/jobs/${queued}/cancel`, cookie);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toEqual({ id: queued, status: "canceled", workerNotified: false });
    expect((await fields(queued)).status).toBe("canceled");
  });
});
