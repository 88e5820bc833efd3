import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type Stack, startStack, waitFor } from "../support/stack";

// The worker's /healthz says how the worker is doing (Redis, event loop, running jobs): by default it is
// for the container's own health check only, on loopback. 127.0.0.2 is loopback too, but a server bound
// to 127.0.0.1 is not reachable there — the same as any other interface — which makes the check portable.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

async function answers(host: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

describe("worker /healthz address", () => {
  it("listens on 127.0.0.1 only by default", async () => {
    const port = await freePort();
    const worker = await stack.startWorker({ WORKER_HEALTH_PORT: String(port) });
    await waitFor(() => answers("127.0.0.1", port), { what: "/healthz on 127.0.0.1" });
    expect(await answers("127.0.0.2", port)).toBe(false);
    await worker.stop();
  });

  it("WORKER_HEALTH_HOST=0.0.0.0 exposes it on every interface", async () => {
    const port = await freePort();
    const worker = await stack.startWorker({ WORKER_HEALTH_PORT: String(port), WORKER_HEALTH_HOST: "0.0.0.0" });
    await waitFor(() => answers("127.0.0.1", port), { what: "/healthz on 127.0.0.1" });
    expect(await answers("127.0.0.2", port)).toBe(true);
    await worker.stop();
  });
});
