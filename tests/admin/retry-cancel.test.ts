import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { parseVtt } from "../../lib/captions";
import { createCaptionQueue } from "../../lib/job-contract";
import { download, getJob, submitJob, uploadFile, waitForJob } from "../support/api-client";
import { makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack, waitFor } from "../support/stack";
import { wordErrorRate } from "../support/wer";
import { adminPost, signIn } from "./staff-sessions";

// The two admin actions on real jobs run by a real worker: a job that really failed runs again to
// completion after a retry, and a cancel stops a job mid-transcription or mid-rendering with nothing left behind.

const SHORT_SCRIPT = "Please check the captions on this short clip before lunch.";
const LONG_SCRIPT =
  "This recording is long enough to cancel while it is being transcribed. The speaker talks about the weather, " +
  "the new office on the second floor, the train timetable for the holidays, and the plan to repaint the kitchen " +
  "in a brighter colour. After that comes a short list of reminders for the team, read slowly and clearly, so " +
  "that the recogniser has plenty of audio to work through before anyone presses the cancel button.";

let stack: Stack;
let adminCookie: string | null;

beforeAll(async () => {
  // No worker yet: the first one is started with a limit that makes the job fail for real.
  stack = await startStack({ worker: false });
  await upsertUser(stack.db, { email: "admin@retry.test", role: "admin", password: "admin-password-1" });
  adminCookie = await signIn(stack.baseUrl, "admin@retry.test", "admin-password-1");
});

afterAll(async () => {
  if (stack) {
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    await createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "")
      .obliterate({ force: true })
      .catch(() => {});
    redis.disconnect();
  }
  await stack?.stop();
});

/** Names of the processes whose parent is `pid` (the worker's ffmpeg/ffprobe/pocketsphinx children). */
function childCommands(pid: number): Promise<string[]> {
  return new Promise((resolve) => {
    execFile("ps", ["--ppid", String(pid), "-o", "comm="], (_error, stdout) =>
      resolve(
        stdout
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean),
      ),
    );
  });
}

/**
 * Submits `clip`, waits until the job is in `phase` with a `child` process really running under the
 * worker, cancels it from the console, and checks what a user would: stopped within seconds, `canceled`
 * with no result, no child left, the temp dir gone. Returns the job's id.
 */
async function cancelDuring(input: {
  worker: { child: { pid?: number } };
  clip: string;
  phase: "transcribing" | "rendering";
  child: string;
}): Promise<string> {
  const pid = input.worker.child.pid;
  if (pid === undefined) throw new Error("no running worker");
  const id = await submitJob(stack.baseUrl, { key: await uploadFile(stack.baseUrl, input.clip) });
  const reached = await waitForJob(stack.baseUrl, id, {
    timeoutMs: 90_000,
    until: (job) => job.phase === input.phase || ["completed", "failed", "canceled"].includes(job.status),
  });
  expect(reached.phase).toBe(input.phase);
  // The child really is running under the worker: the check below can fail.
  await waitFor(async () => (await childCommands(pid)).some((c) => c.startsWith(input.child)), {
    timeoutMs: 5_000,
    intervalMs: 50,
    what: `${input.child} to run under the worker`,
  });

  const started = performance.now();
  const res = await adminPost(stack, `/api/admin/jobs/${id}/cancel`, adminCookie);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ id, status: "canceled", workerNotified: true });
  // The worker acknowledges the cancel in the timeline once it has killed its children.
  await waitFor(async () => stack.db.jobEvent.findFirst({ where: { jobId: id, type: "canceled" } }), {
    timeoutMs: 5_000,
    intervalMs: 50,
    what: "the worker to stop the job",
  });
  const stoppedMs = performance.now() - started;
  console.log(`cancel during ${input.phase}: worker stopped the job ${Math.round(stoppedMs)} ms after the request`);
  expect(stoppedMs).toBeLessThan(5_000);

  const job = await getJob(stack.baseUrl, id);
  expect(job.status).toBe("canceled");
  expect(job.error?.code).toBe("CANCELED");
  expect(job.result).toBeNull();
  expect(await childCommands(pid)).toEqual([]);
  // WORKER_TMP_DIR (<dataDir>/work) held only this job's dir: it must be empty again.
  await waitFor(async () => (await readdir(stack.env.WORKER_TMP_DIR ?? "")).length === 0, {
    timeoutMs: 3_000,
    what: "the job's temp dir to be removed",
  });
  return id;
}

describe("admin actions on real jobs", () => {
  it("retries a job that failed for real, and it runs again to completion", async () => {
    const clip = await makeSpeechVideo({ script: SHORT_SCRIPT });
    const id = await submitJob(stack.baseUrl, { key: await uploadFile(stack.baseUrl, clip.path) });

    // A worker that refuses anything longer than 1 s: the clip fails with TOO_LONG (permanent, no retries).
    const strict = await stack.startWorker({ MAX_DURATION_SEC: "1" });
    const failed = await waitForJob(stack.baseUrl, id, { timeoutMs: 60_000 });
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("TOO_LONG");
    await strict.stop();
    await stack.startWorker();

    const res = await adminPost(stack, `/api/admin/jobs/${id}/retry`, adminCookie);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, status: "queued", run: 1 });

    const done = await waitForJob(stack.baseUrl, id, { timeoutMs: 90_000 });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.error).toBeNull();
    const vtt = (await download(done.result?.vttUrl ?? "")).toString("utf8");
    const heard = parseVtt(vtt)
      .flatMap((cue) => cue.lines)
      .join(" ");
    expect(wordErrorRate(SHORT_SCRIPT, heard), heard).toBeLessThan(0.35);

    // The old error stays in the timeline, followed by the retry and the new run.
    const events = await stack.db.jobEvent.findMany({ where: { jobId: id }, orderBy: { id: "asc" } });
    const types = events.map((e) => e.type);
    const failedAt = types.indexOf("failed");
    expect(failedAt).toBeGreaterThan(-1);
    expect(events[failedAt]?.message).toContain("TOO_LONG");
    expect(types.slice(failedAt + 1)).toEqual(expect.arrayContaining(["retried", "started", "completed"]));
    expect(types.indexOf("retried")).toBeLessThan(types.lastIndexOf("completed"));
    const audit = await stack.db.auditLog.findMany({ where: { jobId: id } });
    expect(audit).toMatchObject([
      { action: "job.retry", userEmail: "admin@retry.test", data: { via: "console", run: 1 } },
    ]);
  });

  it("cancels a job mid-transcription within seconds, killing its children and removing its temp files", async () => {
    const worker = stack.workers.at(-1);
    if (!worker || worker.child.exitCode !== null) throw new Error("no running worker");
    const clip = await makeSpeechVideo({ script: LONG_SCRIPT });
    expect(clip.durationSec).toBeGreaterThan(15);
    const id = await cancelDuring({ worker, clip: clip.path, phase: "transcribing", child: "pocketsphinx" });
    // And it stays canceled: nothing picks the job up again.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await getJob(stack.baseUrl, id)).status).toBe("canceled");
  });

  it("cancels a job mid-rendering within seconds, killing its ffmpeg and removing its temp files", async () => {
    // A worker whose x264 runs at its slowest, on a 720p30 clip: rendering lasts long enough to cancel in.
    await stack.workers.at(-1)?.stop();
    const worker = await stack.startWorker({ FFMPEG_PRESET: "veryslow" });
    const clip = await makeSpeechVideo({ script: SHORT_SCRIPT, width: 1280, height: 720, fps: 30 });
    await cancelDuring({ worker, clip: clip.path, phase: "rendering", child: "ffmpeg" });
  });

  it("cancels a caption edit's re-render that waits in the queue: its queue entry goes, nothing runs it", async () => {
    const clip = await makeSpeechVideo({ script: SHORT_SCRIPT });
    const key = await uploadFile(stack.baseUrl, clip.path);
    const submitted = await fetch(`${stack.baseUrl}/api/video/process`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, burnIn: false }),
    });
    const { id, manageToken } = (await submitted.json()) as { id: string; manageToken: string };
    const done = await waitForJob(stack.baseUrl, id, { timeoutMs: 90_000 });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");

    // No worker from here on: the edit's re-render waits in the queue.
    await Promise.all(stack.workers.map((w) => w.stop(30_000)));
    const captionsUrl = `${stack.baseUrl}/api/video/job/${id}/captions`;
    const { cues } = (await (await fetch(captionsUrl)).json()) as {
      cues: { start: number; end: number; text: string }[];
    };
    const edit = await fetch(captionsUrl, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${manageToken}` },
      body: JSON.stringify({ version: 1, cues: cues.map((c, i) => (i === 0 ? { ...c, text: "Please check" } : c)) }),
    });
    expect(edit.status).toBe(202);
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    const queue = createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    try {
      expect(await (await queue.getJob(`${id}.v2`))?.getState()).toBe("waiting");

      const res = await adminPost(stack, `/api/admin/jobs/${id}/cancel`, adminCookie);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, status: "canceled" });
      expect(await queue.getJob(`${id}.v2`)).toBeUndefined();
    } finally {
      await queue.close();
      redis.disconnect();
    }
    // A worker started now finds nothing to do for it: the job stays canceled, version 2 never rendered.
    await stack.startWorker();
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await getJob(stack.baseUrl, id)).status).toBe("canceled");
    expect(await stack.db.jobEvent.count({ where: { jobId: id, type: "started" } })).toBe(1);
  });
});
