import { randomBytes, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort, type ManagedProcess, type Stack, startProcess, startStack, waitFor } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// GET /api/health, and row-then-enqueue consistency when Redis goes away. The stack runs against a
// redis-server of its own (so stopping it disturbs nobody), password-protected so we can check the
// password never reaches a response.

const PASSWORD = `outage-${randomBytes(12).toString("hex")}`;

let port: number;
let redisServer: ManagedProcess;
let stack: Stack;

async function startRedis(): Promise<ManagedProcess> {
  const server = startProcess(
    "redis",
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", PASSWORD],
    { PATH: process.env.PATH, NODE_ENV: "test" },
  );
  await waitFor(
    async () => {
      if (server.child.exitCode !== null) throw new Error(`redis-server exited:\n${server.output()}`);
      return server.output().includes("Ready to accept connections");
    },
    { timeoutMs: 10_000, intervalMs: 50, what: "redis-server to start" },
  );
  return server;
}

beforeAll(async () => {
  port = await freePort();
  redisServer = await startRedis();
  stack = await startStack({ worker: false, env: { REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${port}` } });
});
afterAll(async () => {
  await stack?.stop();
  await redisServer?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

const health = () => fetch(`${stack.baseUrl}/api/health`);

/** Every job id in the app's queue, read through a throwaway read-only connection. */
async function queuedJobIds(): Promise<string[]> {
  const connection = new Redis(stack.env.REDIS_URL ?? "", { maxRetriesPerRequest: null });
  const queue = new Queue("captions", { connection, prefix: stack.env.QUEUE_PREFIX });
  try {
    const jobs = await queue.getJobs(["waiting", "delayed", "prioritized", "active", "completed", "failed"]);
    return jobs.map((job) => job.id ?? "");
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

describe("GET /api/health", () => {
  test("200 with a passing check for Postgres and for Redis", async () => {
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; latencyMs: number }> };
    expect(body.status).toBe("ok");
    expect(Object.keys(body.checks).sort()).toEqual(["postgres", "redis"]);
    for (const check of Object.values(body.checks)) {
      expect(check.ok).toBe(true);
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });
});

describe("with Redis stopped", () => {
  test("process answers 503 QUEUE_UNAVAILABLE quickly and leaves no row; health names redis; a restart heals both", async () => {
    const key = await uploadBytes(stack.baseUrl, "outage.mp4");
    const idempotencyKey = randomUUID();
    expect(await redisServer.stop()).not.toBeNull();

    const started = Date.now();
    const [plain, withKey, unhealthy] = await Promise.all([
      postJson(`${stack.baseUrl}/api/video/process`, { key }),
      postJson(`${stack.baseUrl}/api/video/process`, { key }, { "Idempotency-Key": idempotencyKey }),
      health(),
    ]);
    await expectApiError(plain, 503, "QUEUE_UNAVAILABLE");
    await expectApiError(withKey, 503, "QUEUE_UNAVAILABLE");
    expect(Date.now() - started).toBeLessThan(6_000);

    // Row-then-enqueue: the rows written before the enqueue failed are gone again.
    expect(await stack.db.job.count()).toBe(0);
    expect(await stack.db.jobEvent.count()).toBe(0);
    expect(await stack.db.idempotencyKey.count()).toBe(0);

    const healthText = await unhealthy.text();
    expect(unhealthy.status).toBe(503);
    const body = JSON.parse(healthText) as {
      status: string;
      down: string[];
      checks: Record<string, { ok: boolean }>;
      error: { code: string; message: string };
    };
    expect(body).toMatchObject({ status: "unavailable", down: ["redis"], error: { code: "SERVICE_UNAVAILABLE" } });
    expect(body.error.message).toContain("redis");
    expect(body.checks.postgres?.ok).toBe(true);
    expect(body.checks.redis?.ok).toBe(false);
    expect(healthText).not.toContain(PASSWORD);

    // The app stays up through the outage and recovers on its own once Redis is back on the same port.
    redisServer = await startRedis();
    await waitFor(async () => (await health()).status === 200, { timeoutMs: 15_000, what: "health to recover" });
    const res = await postJson(`${stack.baseUrl}/api/video/process`, { key }, { "Idempotency-Key": idempotencyKey });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await stack.db.job.count()).toBe(1);

    // No enqueue attempt from the outage may land late, after its row was removed: the queue holds
    // exactly the one job that has a row.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await queuedJobIds()).toEqual([id]);
  });
});
