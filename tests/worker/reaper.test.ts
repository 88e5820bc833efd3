import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { newJobId } from "../../lib/ids";
import { expectedJobMs, STUCK_FACTOR } from "../../worker/reaper";
import { type Stack, startStack, waitFor } from "../support/stack";

// The stuck-job reaper inside real worker processes (two of them, so two reapers compete for the lock).
// The stuck rows are what a lost queue entry leaves behind: `processing` in Postgres, nothing in Redis.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workerEnv: { REAPER_INTERVAL_SEC: "1", REAPER_MAX_PROCESSING_HOURS: "48" } });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
});

async function processingRow(startedMsAgo: number, durationSec: number | null) {
  const id = newJobId();
  await stack.db.job.create({
    data: {
      id,
      inputKey: `uploads/${id}/clip.mp4`,
      inputSize: 1_000_000n,
      status: "processing",
      phase: "rendering",
      attempts: 1,
      durationSec,
      startedAt: new Date(Date.now() - startedMsAgo),
    },
  });
  return id;
}

describe("stuck-job reaper", () => {
  test("fails jobs beyond N × their expected time or the absolute cap, once, with a TIMEOUT in the timeline", async () => {
    const tenSecondLimit = STUCK_FACTOR * expectedJobMs(10, 1_000_000);
    const stuck = await processingRow(tenSecondLimit + 60_000, 10);
    const running = await processingRow(tenSecondLimit - 60_000, 10);
    // A 4 h film's own budget is days; the 48 h cap still applies.
    const capped = await processingRow(49 * 3_600_000, 4 * 3600);
    const longButYoung = await processingRow(47 * 3_600_000, 4 * 3600);

    await waitFor(
      async () => (await stack.db.job.count({ where: { id: { in: [stuck, capped] }, status: "failed" } })) === 2,
      { timeoutMs: 30_000, what: "the reaper to fail the stuck jobs" },
    );
    // A few more sweeps by both workers: nothing changes twice.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    for (const id of [stuck, capped]) {
      const job = await stack.db.job.findUniqueOrThrow({ where: { id }, include: { events: true } });
      expect(job).toMatchObject({ status: "failed", errorCode: "TIMEOUT", phase: null });
      expect(job.finishedAt).not.toBeNull();
      const failed = job.events.filter((event) => event.type === "failed");
      expect(failed).toHaveLength(1);
      expect(failed[0]?.stage).toBe("rendering");
      expect(failed[0]?.message).toMatch(/^TIMEOUT: still processing after .* marked failed by the stuck-job reaper/);
    }
    for (const id of [running, longButYoung]) {
      const job = await stack.db.job.findUniqueOrThrow({ where: { id } });
      expect(job.status).toBe("processing");
    }
    // Each worker's log shows which of them reaped: the two jobs were reaped once in total.
    const reapLines = stack.workers.flatMap((w) =>
      w
        .output()
        .split("\n")
        .filter((line) => line.includes("stuck job marked failed")),
    );
    expect(reapLines).toHaveLength(2);
  });
});
