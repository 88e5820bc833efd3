import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getJob, submitJob, uploadFile, waitForJob } from "../support/api-client";
import { leftoverTempDirs } from "../support/assert-captioned";
import { makeSpeechVideo } from "../support/make-media";
import { freePort, type ManagedProcess, type Stack, startStack, waitFor } from "../support/stack";

// What a deploy does to a busy worker: `docker compose stop` / a rolling update sends SIGTERM, waits
// stop_grace_period, then kills. The worker must stop taking jobs, report itself unhealthy, let running
// jobs finish up to WORKER_SHUTDOWN_TIMEOUT_MS and hand the rest back to the queue — never lose a job,
// never run one to completion twice.

// ~18 s of flite speech: pocketsphinx needs a few seconds for it, a window wide enough to stop a worker in.
const SCRIPT =
  "This is a longer recording made for the shutdown test. The worker that starts this job is asked to stop while it is still listening to the speech. It hands the job back to the queue, and a second worker picks it up and finishes it from the start. Nothing is lost and nothing is done twice, and the captions come out once.";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false, workerEnv: { TRANSCRIBER: "pocketsphinx", WORKER_CONCURRENCY: "1" } });
});

afterAll(async () => {
  await stack?.stop();
});

interface Health {
  status: number;
  body: { ok: boolean; shuttingDown: boolean; running: number; eventLoop: { ok: boolean; lagMs: number } };
}

async function healthz(port: number): Promise<Health | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, body: (await res.json()) as Health["body"] };
  } catch {
    return null; // not listening (yet, or any more)
  }
}

/** Sends SIGTERM and polls /healthz until it answers 503 (or the process is gone). */
async function terminateWatchingHealth(worker: ManagedProcess, port: number) {
  const sentAt = performance.now();
  worker.child.kill("SIGTERM");
  let unhealthy: Health | null = null;
  while (!unhealthy && worker.child.exitCode === null) {
    const health = await healthz(port);
    if (health?.status === 503) unhealthy = health;
    else await new Promise((r) => setTimeout(r, 50));
  }
  const code = await worker.exited;
  return { unhealthy, code, exitMs: Math.round(performance.now() - sentAt) };
}

async function submitClip(): Promise<string> {
  const clip = await makeSpeechVideo({ script: SCRIPT });
  const key = await uploadFile(stack.baseUrl, clip.path);
  return submitJob(stack.baseUrl, { key });
}

async function renderedVideos(jobId: string): Promise<string[]> {
  const dir = path.join(stack.dataDir, "objects", "rendered");
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith(`${jobId}-`) && name.endsWith(".mp4")).map((n) => `rendered/${n}`);
}

/** Every line is JSON; every line about the job carries its id in `jobId`, none leaks the signing secret. */
function expectStructuredLogs(output: string, jobId: string) {
  const lines = output.split("\n").filter((line) => line.trim() !== "");
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const aboutJob = parsed.filter((line) => JSON.stringify(line).includes(jobId));
  expect(aboutJob.length).toBeGreaterThan(0);
  for (const line of aboutJob) expect(line.jobId, JSON.stringify(line)).toBe(jobId);
  const stageLines = parsed.filter((line) => line.msg === "stage started");
  expect(stageLines.length).toBeGreaterThan(0);
  for (const line of stageLines) expect(line.jobId).toBe(jobId);
  expect(output).not.toContain(stack.env.STORAGE_SIGNING_SECRET);
}

describe("worker shutdown (SIGTERM) in the middle of a job", () => {
  it("past the deadline: hands the job back, exits 0, and another worker completes it exactly once", async () => {
    const healthPort = await freePort();
    const workerA = await stack.startWorker({
      WORKER_SHUTDOWN_TIMEOUT_MS: "1000",
      WORKER_HEALTH_PORT: String(healthPort),
    });
    const before = await healthz(healthPort);
    expect(before?.status).toBe(200);
    expect(before?.body).toMatchObject({ ok: true, shuttingDown: false, eventLoop: { ok: true } });

    const jobId = await submitClip();
    await waitFor(async () => (await getJob(stack.baseUrl, jobId)).phase === "transcribing", {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: "worker A to reach the transcribing phase",
    });
    const workerB = await stack.startWorker();
    // Still transcribing on A: B must not have taken anything yet (concurrency 1 on A, one job).
    expect((await getJob(stack.baseUrl, jobId)).status).toBe("processing");

    const { unhealthy, code, exitMs } = await terminateWatchingHealth(workerA, healthPort);
    console.log(`worker A exited ${exitMs} ms after SIGTERM (deadline 1000 ms)`);
    expect(unhealthy?.body).toMatchObject({ ok: false, shuttingDown: true, running: 1 });
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(1_000 + 6_000);
    expect(workerA.output()).toContain("job handed back to the queue (shutdown)");

    const job = await waitForJob(stack.baseUrl, jobId, { timeoutMs: 120_000 });
    expect(job.status).toBe("completed");
    // The row is written before the log line: wait for the line rather than race it.
    await waitFor(async () => /"msg":"job completed"/.test(workerB.output()), {
      what: "worker B's job completed line",
    });

    const row = await stack.db.job.findUniqueOrThrow({
      where: { id: jobId },
      include: { events: { orderBy: { createdAt: "asc" } } },
    });
    const types = row.events.map((e) => e.type);
    expect(types.filter((t) => t === "completed")).toHaveLength(1);
    expect(types.filter((t) => t === "requeued")).toHaveLength(1);
    expect(types.indexOf("requeued")).toBeLessThan(types.indexOf("completed"));
    expect(types.filter((t) => t === "failed" || t === "retrying")).toEqual([]);
    // The hand-back is not a failed attempt: the row counts only the attempt that finished.
    expect(row.attempts).toBe(1);

    const videos = await renderedVideos(jobId);
    expect(videos).toEqual([row.outputVideoKey]);
    expect(await leftoverTempDirs(stack.env.WORKER_TMP_DIR ?? "")).toEqual([]);

    expectStructuredLogs(workerA.output(), jobId);
    expectStructuredLogs(workerB.output(), jobId);
    expect(await workerB.stop()).toBe(0);
  });

  it("within the deadline: the running job finishes on the same worker before it exits", async () => {
    const healthPort = await freePort();
    const worker = await stack.startWorker({
      WORKER_SHUTDOWN_TIMEOUT_MS: "120000",
      WORKER_HEALTH_PORT: String(healthPort),
    });
    const jobId = await submitClip();
    await waitFor(async () => (await getJob(stack.baseUrl, jobId)).phase === "transcribing", {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: "the worker to reach the transcribing phase",
    });

    const { unhealthy, code, exitMs } = await terminateWatchingHealth(worker, healthPort);
    console.log(`worker finished its job and exited ${exitMs} ms after SIGTERM`);
    // Unhealthy as soon as it is shutting down (whether the job is still running at that poll depends on
    // the machine's speed; the log order below proves it finished after the signal, on this worker).
    expect(unhealthy?.body).toMatchObject({ ok: false, shuttingDown: true });
    expect(code).toBe(0);

    // Completed by the time the process is gone: no other worker exists to finish it.
    const job = await getJob(stack.baseUrl, jobId);
    expect(job.status).toBe("completed");
    const events = await stack.db.jobEvent.findMany({ where: { jobId } });
    expect(events.filter((e) => e.type === "completed")).toHaveLength(1);
    expect(events.filter((e) => e.type === "requeued")).toEqual([]);
    const output = worker.output();
    expect(output.indexOf('"msg":"shutting down: no new jobs; letting running ones finish"')).toBeGreaterThan(-1);
    expect(output.indexOf('"msg":"shutting down: no new jobs; letting running ones finish"')).toBeLessThan(
      output.indexOf('"msg":"job completed"'),
    );
    expect(output.indexOf('"msg":"job completed"')).toBeLessThan(output.indexOf('"msg":"worker stopped"'));
    expect(await renderedVideos(jobId)).toHaveLength(1);
    expect(await leftoverTempDirs(stack.env.WORKER_TMP_DIR ?? "")).toEqual([]);
    expectStructuredLogs(output, jobId);
  });
});
