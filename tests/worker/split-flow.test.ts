import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { parseSrt } from "../../lib/captions";
import { createCaptionQueue, createSegmentQueue } from "../../lib/job-contract";
import { adminPost, signIn } from "../admin/staff-sessions";
import {
  type captionFile as CaptionFile,
  captionFile,
  download,
  submitJob,
  uploadFile,
  waitForJob,
} from "../support/api-client";
import { leftoverTempDirs } from "../support/assert-captioned";
import { makeKeyframedSpeechVideo } from "../support/make-media";
import { probeStreams, ssim, videoFrames } from "../support/media-checks";
import { type Stack, startStack, waitFor } from "../support/stack";
import { normaliseWords, wordErrorRate } from "../support/wer";

const execFileAsync = promisify(execFile);

// One long video on many workers (issue #16.3, docs/scaling.md), end to end with real processes: the same
// clip captioned in one pass by one worker, then split into three segments across two worker processes.
// A user must not be able to tell them apart: same words (none lost or doubled at a seam), same length,
// same picture.
const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer. Please bring your questions to the meeting on Friday. Lunch will be served in the main hall after the talks, and the buses leave at five.";
const SPLIT_ENV = { SPLIT_MIN_SEC: "5", SPLIT_SEGMENT_SEC: "5" };

let stack: Stack;
let outDir: string;
let clip: { path: string; durationSec: number };
let single: { words: string[]; video: string };

type PublicJob = Awaited<ReturnType<typeof CaptionFile>>;

async function fetchOutputs(job: PublicJob, name: string) {
  if (!job.result) throw new Error(`job ${job.id} has no result: ${job.status} ${job.error?.code}`);
  const video = path.join(outDir, `${name}.mp4`);
  await writeFile(video, await download(job.result.videoUrl));
  const srt = (await download(job.result.srtUrl)).toString("utf8");
  const words = normaliseWords(
    parseSrt(srt)
      .flatMap((cue) => cue.lines)
      .join(" "),
  );
  return { video, words };
}

let cookie: string | null | undefined;
async function adminCookie(): Promise<string | null> {
  if (cookie === undefined) {
    await upsertUser(stack.db, { email: "admin@split.test", role: "admin", password: "admin-password-1" });
    cookie = await signIn(stack.baseUrl, "admin@split.test", "admin-password-1");
  }
  return cookie;
}

/** Kills this stack's running recognisers (SIGKILL, as the OOM killer would); returns how many. */
async function killRecognisers(): Promise<number> {
  const { stdout } = await execFileAsync("ps", ["-eo", "pid=,args="]);
  const pids = stdout
    .split("\n")
    .filter((l) => l.includes("pocketsphinx_continuous") && l.includes(stack.env.WORKER_TMP_DIR ?? "/nonexistent"))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/** Object keys under the storage's work/ prefix (a split run's intermediate files), or one job's. */
async function workObjects(jobId?: string): Promise<string[]> {
  const root = path.join(stack.dataDir, "objects", "work", ...(jobId ? [jobId] : []));
  return readdir(root, { recursive: true }).then(
    (entries) => entries.map(String).filter((e) => /\.(mp4|wav|json|track)$/.test(e)),
    () => [],
  );
}

/** SSIM of the bottom quarter of one frame at `atSec` of two videos (where captions are drawn). */
async function captionBandSsim(a: string, b: string, atSec: number): Promise<number> {
  const crop = "crop=iw:trunc(ih/8)*2:0:ih-trunc(ih/8)*2";
  const { stderr } = await execFileAsync("ffmpeg", [
    ...["-hide_banner", "-ss", String(atSec), "-i", a, "-ss", String(atSec), "-i", b],
    ...["-lavfi", `[0:v]${crop}[a];[1:v]${crop}[b];[a][b]ssim`, "-frames:v", "1", "-f", "null", "-"],
  ]);
  const match = /SSIM .*All:([\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no SSIM in ffmpeg's output: ${stderr.slice(-500)}`);
  return Number(match[1]);
}

beforeAll(async () => {
  clip = await makeKeyframedSpeechVideo({ script: SCRIPT, keyframeEverySec: 2 });
  outDir = await mkdtemp(path.join(tmpdir(), "captioner-split-out-"));
  // The reference: one worker that never splits.
  stack = await startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx", SPLIT_MIN_SEC: "0" } });
  const job = await captionFile(stack.baseUrl, clip.path);
  expect(job.status).toBe("completed");
  single = await fetchOutputs(job, "single");
  // From here on: two workers that split anything longer than 5 s.
  await stack.workers[0]?.stop();
  stack.workers.length = 0;
  await stack.startWorker(SPLIT_ENV);
  await stack.startWorker(SPLIT_ENV);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe("a long video split across workers (BullMQ flow)", () => {
  it("captions the same words, as long and as sharp as the single-pass render", async () => {
    const job = await captionFile(stack.baseUrl, clip.path);
    expect(job.status).toBe("completed");
    const split = await fetchOutputs(job, "split");

    // Same words, none doubled or lost at a seam: pocketsphinx hears the seams' neighbourhood with the
    // same 2 s context either way, so the two transcripts agree (a word or two may differ in principle).
    const werVsSingle = wordErrorRate(single.words.join(" "), split.words.join(" "));
    const werVsScript = wordErrorRate(SCRIPT, split.words.join(" "));
    console.log(
      `split: ${split.words.length} words vs ${single.words.length} single-pass; WER vs single ${(werVsSingle * 100).toFixed(1)}%, vs script ${(werVsScript * 100).toFixed(1)}%`,
    );
    if (werVsSingle > 0) console.log(`single: ${single.words.join(" ")}\nsplit:  ${split.words.join(" ")}`);
    expect(werVsSingle).toBeLessThanOrEqual(0.05);
    expect(Math.abs(split.words.length - single.words.length)).toBeLessThanOrEqual(1);

    const [input, output] = await Promise.all([videoFrames(clip.path), videoFrames(split.video)]);
    expect(output.frames).toBe(input.frames);
    const streams = await probeStreams(split.video);
    expect(Math.abs(streams.durationSec - clip.durationSec)).toBeLessThanOrEqual(1 / input.fps);
    expect(streams.streams.map((s) => s.type)).toEqual(["video", "audio"]);
    // The picture above the captions must match the single-pass render (the joins re-encode nothing and
    // show no seam); the two recognitions may differ by a word, so the caption band may differ here. With
    // identical captions the whole frame matches too: worker/split/segment-media.test.ts (SSIM ≥ 0.99).
    const [picture, whole] = [await ssim(split.video, single.video, 0.6), await ssim(split.video, single.video)];
    console.log(
      `split vs single-pass burn-in: SSIM ${picture.toFixed(4)} above the captions, ${whole.toFixed(4)} whole frame`,
    );
    expect(picture).toBeGreaterThanOrEqual(0.99);

    // Postgres tells the story: the segments, each on some worker, the flow's stages, outputs as usual.
    const row = await stack.db.job.findUniqueOrThrow({
      where: { id: job.id },
      include: { events: { orderBy: { createdAt: "asc" } }, segments: { orderBy: { index: "asc" } } },
    });
    expect(row.segments.length).toBe(3);
    expect(row.segments.every((s) => s.status === "completed" && s.attempts === 1 && s.worker)).toBe(true);
    // Cut at keyframes (every 2 s) nearest thirds of the clip.
    expect(row.segments[0]?.startSec).toBe(0);
    for (const s of row.segments.slice(1)) expect(s.startSec % 2).toBeCloseTo(0, 2);
    const stages = row.events.filter((e) => e.type === "stage_completed").map((e) => e.stage);
    expect(stages).toEqual([
      "downloading",
      "probing",
      "extracting_audio",
      "splitting",
      "transcribing",
      "building_captions",
      "rendering",
      "uploading",
    ]);
    expect(row.attempts).toBe(1);
    expect(row.progress).toBe(100);
    expect(row.outputVideoKey).toMatch(new RegExp(`^rendered/${job.id}-\\d+\\.mp4$`));
    // A thumbnail of the joined video, as the single path captures one.
    expect(row.thumbnailKey).toMatch(new RegExp(`^rendered/${job.id}-\\d+\\.jpg$`));
    console.log(`segments on workers: ${[...new Set(row.segments.map((s) => s.worker))].join(", ")}`);
    // The console's job page lists the segments, each with its status and worker.
    const cookie = await adminCookie();
    const page = await fetch(`${stack.baseUrl}/admin/jobs/${job.id}`, { headers: { cookie: cookie ?? "" } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(">Segments</h2>");
    expect(html.match(/data-segment-status="completed"/g)).toHaveLength(3);
    for (const s of row.segments) expect(html).toContain(s.worker ?? "missing");
    // The run's intermediate files are gone, and so are the workers' temp dirs.
    expect(await workObjects()).toEqual([]);
    expect(await leftoverTempDirs(stack.env.WORKER_TMP_DIR ?? "")).toEqual([]);
  });

  it("retries a segment whose recogniser crashed, alone: the other segments and the job keep their first attempt", async () => {
    const key = await uploadFile(stack.baseUrl, clip.path);
    const id = await submitJob(stack.baseUrl, { key });
    // A recogniser process dies mid-segment (SIGKILL, as the OOM killer would): the first pocketsphinx
    // of this stack's workers we see.
    await waitFor(
      async () => {
        const { stdout: ps } = await execFileAsync("ps", ["-eo", "pid=,args="]);
        const line = ps
          .split("\n")
          .find((l) => l.includes("pocketsphinx_continuous") && l.includes(stack.env.WORKER_TMP_DIR ?? "/nonexistent"));
        if (!line) return undefined;
        process.kill(Number(line.trim().split(/\s+/)[0]), "SIGKILL");
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: "a segment's recogniser to start" },
    );
    const job = await waitForJob(stack.baseUrl, id, { timeoutMs: 120_000 });
    expect(job.status).toBe("completed");
    const row = await stack.db.job.findUniqueOrThrow({
      where: { id },
      include: { events: { orderBy: { createdAt: "asc" } }, segments: { orderBy: { index: "asc" } } },
    });
    // The job ran once; one segment twice (the recognition step), the others once.
    expect(row.attempts).toBe(1);
    expect(row.events.filter((e) => e.type === "started")).toHaveLength(1);
    const retried = row.events.filter((e) => e.type === "note" && /retrying that segment alone/.test(e.message ?? ""));
    expect(retried).toHaveLength(1);
    expect(retried[0]?.message).toMatch(/^Segment \d failed on attempt 1 of 3 \(TRANSCRIPTION_FAILED\)/);
    const transcribed = row.events.find((e) => e.type === "stage_completed" && e.stage === "transcribing");
    const data = (transcribed?.data ?? { segments: [] }) as { segments: { attempts: number }[] };
    const attempts = data.segments.map((s) => s.attempts).sort();
    expect(attempts).toEqual([1, 1, 2]);
    const { words } = await fetchOutputs(job, "retried");
    expect(wordErrorRate(single.words.join(" "), words.join(" "))).toBeLessThanOrEqual(0.05);
    // The parent deletes the run's files right after it marked the job completed (a failed write of the row
    // must leave them for the step's retry): they go a moment after the status reads completed.
    await waitFor(async () => (await workObjects()).length === 0, { timeoutMs: 15_000, what: "the work files to go" });
  });

  it("cancels a split job while its segments run: every child stops, the job is canceled once, nothing left", async () => {
    const key = await uploadFile(stack.baseUrl, clip.path);
    const id = await submitJob(stack.baseUrl, { key });
    await waitFor(
      async () =>
        (await stack.db.jobSegment.count({ where: { jobId: id, status: { in: ["transcribing", "rendering"] } } })) > 0,
      { timeoutMs: 60_000, intervalMs: 20, what: "a segment to run" },
    );
    // The job's row follows its segments: phase of the running round, progress inside that round's span.
    const running = await stack.db.job.findUniqueOrThrow({ where: { id } });
    expect(running.status).toBe("processing");
    expect(["transcribing", "rendering"]).toContain(running.phase);
    expect(running.progress).toBeGreaterThanOrEqual(12);
    // What the console's cancel does (lib/admin/job-actions.ts, tested with a signed-in admin in
    // tests/admin/retry-cancel.test.ts): Postgres first, then the id on the cancel channel.
    const { Redis } = await import("ioredis");
    const { cancelChannel } = await import("../../lib/jobs/cancel-channel");
    const { canceledState } = await import("../../lib/jobs/job-states");
    await stack.db.job.updateMany({ where: { id, status: "processing" }, data: canceledState() });
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    await redis.publish(cancelChannel(stack.env.QUEUE_PREFIX ?? ""), id);
    await redis.quit();

    // Every segment ends canceled (stopped, or skipped before it started), and the parent cleans up.
    await waitFor(
      async () => (await stack.db.jobSegment.count({ where: { jobId: id, status: { notIn: ["canceled"] } } })) === 0,
      { timeoutMs: 30_000, what: "every segment to stop" },
    );
    await waitFor(async () => (await workObjects()).length === 0, { timeoutMs: 30_000, what: "the work files to go" });
    const row = await stack.db.job.findUniqueOrThrow({ where: { id }, include: { events: true } });
    expect(row.status).toBe("canceled");
    expect(row.outputVideoKey).toBeNull();
    expect(row.events.filter((e) => e.type === "completed" || e.type === "failed")).toEqual([]);
    await waitFor(async () => (await leftoverTempDirs(stack.env.WORKER_TMP_DIR ?? "")).length === 0, {
      timeoutMs: 15_000,
      what: "the workers' temp dirs to go",
    });
  });

  it("re-renders an edit of a split job's captions through the flow, without recognition, exactly as one pass would", async () => {
    const job = await captionFile(stack.baseUrl, clip.path);
    expect(job.status).toBe("completed");
    const v1 = await stack.db.job.findUniqueOrThrow({ where: { id: job.id }, include: { segments: true } });
    expect(v1.segments).toHaveLength(3);
    const seam = v1.segments.map((s) => s.startSec).sort((a, b) => a - b)[1] ?? 0;
    const v1Files = [v1.outputVideoKey, v1.outputSrtKey, v1.outputVttKey, v1.thumbnailKey];

    // Two captions of the submitter's own: one across the first seam (drawn half by each segment's
    // worker), one later; nothing on screen elsewhere.
    const cues = [
      { start: seam - 1.2, end: seam + 1.4, text: "Edited across the seam" },
      { start: seam + 4, end: seam + 6, text: "A second edited caption" },
    ];
    const cookie = await adminCookie();
    const edit = (version: number) =>
      fetch(`${stack.baseUrl}/api/video/job/${job.id}/captions`, {
        method: "PUT",
        headers: { "content-type": "application/json", cookie: cookie ?? "", origin: stack.baseUrl },
        body: JSON.stringify({ version, cues }),
      });
    const res = await edit(1);
    expect(res.status, await res.clone().text()).toBe(202);
    const v2 = await waitForJob(stack.baseUrl, job.id, { timeoutMs: 120_000 });
    expect(v2.status, JSON.stringify(v2.error)).toBe("completed");
    expect(v2.result?.version).toBe(2);
    const srt = parseSrt((await download(v2.result?.srtUrl ?? "")).toString("utf8"));
    expect(srt.map((cue) => cue.lines.join(" "))).toEqual(cues.map((cue) => cue.text));

    // Through the flow again (its segments rendered anew), but no recognition: the edit's words are drawn.
    const row = await stack.db.job.findUniqueOrThrow({
      where: { id: job.id },
      include: { events: { orderBy: { createdAt: "asc" } }, segments: true, captionVersions: true },
    });
    // The edit's run: the timeline after the `captions_edited` event.
    const run2 = row.events.slice(row.events.findIndex((e) => e.type === "captions_edited"));
    expect(run2[0]?.type).toBe("captions_edited");
    expect(run2.filter((e) => e.type === "stage_skipped").map((e) => [e.stage, e.message])).toEqual([
      ["extracting_audio", "Rendering edited captions (version 2): no recognition."],
      ["transcribing", "Rendering edited captions (version 2): no recognition."],
    ]);
    expect(run2.filter((e) => e.type === "stage_completed").map((e) => e.stage)).toEqual([
      "downloading",
      "probing",
      "splitting",
      "building_captions",
      "rendering",
      "uploading",
    ]);
    expect(row.segments.map((s) => [s.status, s.attempts, s.transcribeMs])).toEqual([
      ["completed", 1, null],
      ["completed", 1, null],
      ["completed", 1, null],
    ]);
    // Version 1's files stay, both versions are recorded, the runs' work files are gone.
    expect(row.captionVersions.map((v) => [v.version, v.renderedAt !== null])).toEqual([
      [1, true],
      [2, true],
    ]);
    for (const key of v1Files)
      expect(existsSync(path.join(stack.dataDir, "objects", key ?? "missing")), key ?? "").toBe(true);
    expect(row.outputVideoKey).not.toBe(v1.outputVideoKey);
    await waitFor(async () => (await workObjects(job.id)).length === 0, { what: "the runs' work files to go" });

    // What a viewer sees: the edited caption on both sides of the seam, none where no caption is.
    const split = path.join(outDir, "edited-split.mp4");
    await writeFile(split, await download(v2.result?.videoUrl ?? ""));
    const band = (at: number) => captionBandSsim(split, clip.path, at);
    const [before, after, bare] = [await band(seam - 0.6), await band(seam + 0.6), await band(seam - 3)];
    console.log(
      `caption band vs input: ${before.toFixed(3)} / ${after.toFixed(3)} with the seam's caption, ${bare.toFixed(3)} without`,
    );
    expect(bare).toBeGreaterThan(0.9);
    expect(before).toBeLessThan(bare - 0.05);
    expect(after).toBeLessThan(bare - 0.05);

    // The same edit rendered in one pass (a worker that never splits): the flow's video matches it.
    await Promise.all(stack.workers.map((worker) => worker.stop()));
    stack.workers.length = 0;
    await stack.startWorker({ SPLIT_MIN_SEC: "0" });
    try {
      expect((await edit(2)).status).toBe(202);
      const v3 = await waitForJob(stack.baseUrl, job.id, { timeoutMs: 120_000 });
      expect(v3.result?.version).toBe(3);
      const onePass = path.join(outDir, "edited-one-pass.mp4");
      await writeFile(onePass, await download(v3.result?.videoUrl ?? ""));
      const [a, b] = [await videoFrames(split), await videoFrames(onePass)];
      expect(a.frames).toBe(b.frames);
      const whole = await ssim(split, onePass);
      console.log(`edited captions, split flow vs one pass: SSIM ${whole.toFixed(4)} whole frame`);
      expect(whole).toBeGreaterThanOrEqual(0.99);
    } finally {
      await Promise.all(stack.workers.map((worker) => worker.stop()));
      stack.workers.length = 0;
      await stack.startWorker(SPLIT_ENV);
      await stack.startWorker(SPLIT_ENV);
    }
  });

  it("cancels a split job while every segment still waits: the flow leaves Redis, no work file is left", async () => {
    // No worker free for a segment (here: the segment queue paused, as with every worker busy elsewhere):
    // the console's cancel removes the parent with its waiting children from Redis, so no worker ever sees
    // this run again, and the run's id is in no column. The cancel itself must delete the files.
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    const segmentQueue = createSegmentQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    const captionQueue = createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    await segmentQueue.pause();
    try {
      const key = await uploadFile(stack.baseUrl, clip.path);
      const id = await submitJob(stack.baseUrl, { key });
      const segmentsOf = async () =>
        (await segmentQueue.getJobs(["waiting", "active", "delayed", "prioritized"])).filter(
          (j) => j.data.jobId === id,
        );
      await waitFor(async () => (await segmentsOf()).length === 3, {
        timeoutMs: 60_000,
        what: "the parent to queue its 3 segments",
      });
      await waitFor(async () => (await (await captionQueue.getJob(id))?.getState()) === "waiting-children", {
        what: "the parent to wait for its children",
      });
      // The run's files are in storage: 3 segments, their 3 audio windows, the audio track and the plan.
      expect(await workObjects(id)).toHaveLength(8);

      const res = await adminPost(stack, `/api/admin/jobs/${id}/cancel`, await adminCookie());
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toMatchObject({ id, status: "canceled", workerNotified: true });
      // Done by the time the console answers: nothing under work/<jobId>/, nothing left in either queue.
      expect(await workObjects(id)).toEqual([]);
      expect(await segmentsOf()).toEqual([]);
      expect(await captionQueue.getJob(id)).toBeUndefined();
      const row = await stack.db.job.findUniqueOrThrow({
        where: { id },
        include: { events: true, segments: true },
      });
      expect(row.status).toBe("canceled");
      expect(row.segments.map((s) => s.status)).toEqual(["canceled", "canceled", "canceled"]);
      expect(row.events.filter((e) => e.type === "completed" || e.type === "failed")).toEqual([]);
    } finally {
      await segmentQueue.resume();
      await Promise.all([segmentQueue.close(), captionQueue.close()]);
      redis.disconnect();
    }
  });

  it("fails the job with the code of a segment that failed for good, cleans up, and an admin retry re-runs the whole", async () => {
    const key = await uploadFile(stack.baseUrl, clip.path);
    const id = await submitJob(stack.baseUrl, { key });
    // Every recogniser of this stack dies as soon as it starts, through all 3 attempts of a segment.
    let killed = 0;
    const failed = await waitFor(
      async () => {
        killed += await killRecognisers();
        const row = await stack.db.job.findUniqueOrThrow({ where: { id } });
        return row.status === "failed" || row.status === "completed" ? row : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20, what: "the job to fail" },
    );
    expect(failed.status).toBe("failed");
    expect(failed.errorCode).toBe("TRANSCRIPTION_FAILED");
    expect(killed).toBeGreaterThanOrEqual(3);
    const segments = await stack.db.jobSegment.findMany({ where: { jobId: id } });
    expect(
      segments.some((s) => s.status === "failed" && s.attempts === 3 && s.errorCode === "TRANSCRIPTION_FAILED"),
    ).toBe(true);
    const events = await stack.db.jobEvent.findMany({ where: { jobId: id, type: "failed" } });
    expect(events).toHaveLength(1);
    await waitFor(async () => (await workObjects()).length === 0, { timeoutMs: 15_000, what: "the work files to go" });

    // The admin's retry from the console: the whole job again, which now completes.
    const res = await adminPost(stack, `/api/admin/jobs/${id}/retry`, await adminCookie());
    expect(res.status).toBe(200);
    const job = await waitForJob(stack.baseUrl, id, { timeoutMs: 120_000 });
    expect(job.status).toBe("completed");
    const { words } = await fetchOutputs(job, "after-retry");
    expect(wordErrorRate(single.words.join(" "), words.join(" "))).toBeLessThanOrEqual(0.05);
    const after = await stack.db.jobSegment.findMany({ where: { jobId: id } });
    expect(after.every((s) => s.status === "completed" && s.attempts === 1)).toBe(true);
  });
});
