import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Stack, startStack, waitFor } from "../support/stack";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// Postgres going away under a running app: the app reaches the real Postgres through a TCP relay the test
// cuts (refused connects, dropped sessions: what a stopped server looks like to a client) and restores.
// The public API must answer a retryable 503 DATABASE_UNAVAILABLE, never a 500, and heal by itself.

let proxy: TcpProxy;
let stack: Stack;

beforeAll(async () => {
  proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
  stack = await startStack({
    worker: false,
    mapDatabaseUrl: (url) => {
      const viaProxy = new URL(url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      return viaProxy.toString();
    },
  });
});
afterAll(async () => {
  await proxy?.restore().catch(() => {});
  await stack?.stop();
  await proxy?.close();
});
showServerLogOnFailure(() => stack?.app.output());

const health = () => fetch(`${stack.baseUrl}/api/health`);

describe("with Postgres unreachable", () => {
  test("process and job status answer 503 DATABASE_UNAVAILABLE quickly; health names postgres; both heal", async () => {
    const key = await uploadBytes(stack.baseUrl, "outage.mp4");
    // A job made before the outage, to look up during it.
    const before = await postJson(`${stack.baseUrl}/api/video/process`, { key });
    expect(before.status, await before.clone().text()).toBe(202);
    const { id } = (await before.json()) as { id: string };

    await proxy.cut();
    const started = Date.now();
    const [plain, withKey, status, unhealthy] = await Promise.all([
      postJson(`${stack.baseUrl}/api/video/process`, { key }),
      postJson(`${stack.baseUrl}/api/video/process`, { key }, { "Idempotency-Key": randomUUID() }),
      fetch(`${stack.baseUrl}/api/video/job/${id}`),
      health(),
    ]);
    const texts = await Promise.all([plain, withKey, status].map((res) => res.clone().text()));
    await expectApiError(plain, 503, "DATABASE_UNAVAILABLE");
    await expectApiError(withKey, 503, "DATABASE_UNAVAILABLE");
    await expectApiError(status, 503, "DATABASE_UNAVAILABLE");
    expect(Date.now() - started).toBeLessThan(10_000);
    // Nothing about the connection leaks: no host, port or user of the database.
    for (const text of texts) {
      expect(text).not.toContain(String(proxy.port));
      expect(text).not.toContain("postgres");
    }
    const body = (await unhealthy.json()) as { down: string[] };
    expect(unhealthy.status).toBe(503);
    expect(body.down).toEqual(["postgres"]);

    await proxy.restore();
    await waitFor(async () => (await health()).status === 200, { timeoutMs: 20_000, what: "health to recover" });
    const after = await postJson(`${stack.baseUrl}/api/video/process`, { key });
    expect(after.status, await after.clone().text()).toBe(202);
    const lookup = await fetch(`${stack.baseUrl}/api/video/job/${id}`);
    expect(lookup.status).toBe(200);
    // Only the two accepted requests made jobs.
    expect(await stack.db.job.count()).toBe(2);
  });
});
