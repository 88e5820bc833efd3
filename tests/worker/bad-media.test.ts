import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../lib/ids";
import { createCaptionQueue } from "../../lib/job-contract";
import { enqueueCaptionJob } from "../../lib/jobs/enqueue";
import { captionFile, download, uploadFile, waitForJob } from "../support/api-client";
import { leftoverTempDirs } from "../support/assert-captioned";
import {
  makeAudioOnly,
  makeSilentVideo,
  makeSpeechVideo,
  makeTextFileAsMp4,
  makeTruncatedMp4,
  makeUndecodableVideo,
  makeVideoWithoutAudio,
} from "../support/make-media";
import { probeStreams } from "../support/media-checks";
import { type Stack, startStack } from "../support/stack";

// Inputs a real user uploads by mistake. Each must end in its documented outcome (docs/job-lifecycle.md)
// at once — permanent errors are not retried — and nothing may hang or stay behind.

let stack: Stack;
let outDir: string;

beforeAll(async () => {
  stack = await startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx", MAX_DURATION_SEC: "60" } });
  outDir = await mkdtemp(path.join(tmpdir(), "captioner-bad-"));
});

afterAll(async () => {
  await stack?.stop();
  await rm(outDir, { recursive: true, force: true });
});

const failures = [
  { name: "a text file named .mp4", make: () => makeTextFileAsMp4(), code: "INVALID_MEDIA" },
  { name: "a truncated MP4 (interrupted upload)", make: () => makeTruncatedMp4(), code: "INVALID_MEDIA" },
  { name: "an audio-only file", make: () => makeAudioOnly({ format: "m4a" }), code: "NO_VIDEO_STREAM" },
  {
    name: "a video longer than MAX_DURATION_SEC",
    make: () => makeVideoWithoutAudio({ durationSec: 61, width: 160, height: 120, fps: 5 }),
    code: "TOO_LONG",
  },
];

describe("bad inputs fail at once with a clear code", () => {
  it.each(failures)("$name → failed with $code after one attempt", async ({ make, code }) => {
    const file = await make();
    const started = Date.now();
    const job = await captionFile(stack.baseUrl, file.path, { timeoutMs: 60_000 });
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe(code);
    expect(job.error?.message.length).toBeGreaterThan(10);
    expect(job.result).toBeNull();
    // Permanent: no backoff-and-retry cycle (the first retry would wait 10 s).
    expect(Date.now() - started).toBeLessThan(10_000);
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.attempts).toBe(1);
    expect(row.outputVideoKey).toBeNull();
    expect((row.errorDetail as { stage?: string }).stage).toMatch(/probing|extracting_audio|rendering/);
  });
});

describe("a video stream that cannot be decoded", () => {
  // ffprobe reads the container and the stream's headers fine (H.264, 320x240, a decodable AAC track), but
  // every video packet is noise. Copying the picture (soft subtitles, or no captions) used to "complete" with
  // an MP4 no player can show; it must fail at probing, whatever the render mode, and store nothing.
  const script = "The picture of this clip is broken, but you can still hear every word of it.";
  it.each([
    { name: "soft subtitles (picture copied)", make: () => makeUndecodableVideo({ script }), burnIn: false },
    { name: "no speech, no burn-in (picture copied)", make: () => makeUndecodableVideo(), burnIn: false },
    { name: "burned-in captions", make: () => makeUndecodableVideo({ script }), burnIn: true },
  ])("$name → failed with INVALID_MEDIA at probing, after one attempt, nothing stored", async ({ make, burnIn }) => {
    const file = await make();
    const started = Date.now();
    const job = await captionFile(stack.baseUrl, file.path, { burnIn, timeoutMs: 60_000 });
    expect(job.status, JSON.stringify(job.result)).toBe("failed");
    expect(job.error?.code).toBe("INVALID_MEDIA");
    expect(job.error?.message).toMatch(/video stream \(h264\) cannot be decoded/);
    expect(job.result).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.attempts).toBe(1);
    expect(row.outputVideoKey).toBeNull();
    expect(row.errorDetail).toMatchObject({ stage: "probing", videoCodec: "h264" });
    const stages = await stack.db.jobEvent.findMany({ where: { jobId: job.id, type: "stage_completed" } });
    expect(stages.map((event) => event.stage)).toEqual(["downloading"]);
    expect(await storedOutputsOf(job.id)).toEqual([]);
  });
});

describe("a language the offline recogniser does not know", () => {
  // The API refuses it at once (tests/api/process.test.ts); this is the worker's own check, for a job that
  // reached the queue anyway (an app configured for another recogniser than its workers).
  it("the worker fails it with LANGUAGE_UNSUPPORTED before downloading, instead of captioning German as English", async () => {
    const clip = await makeSpeechVideo({ script: "Thank you very much for coming today." });
    const key = await uploadFile(stack.baseUrl, clip.path);
    const id = newJobId();
    await stack.db.job.create({ data: { id, inputKey: key, options: { language: "de", burnIn: true } } });
    const redis = new Redis(stack.env.REDIS_URL ?? "", { maxRetriesPerRequest: null });
    const queue = createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    try {
      await enqueueCaptionJob(queue, id);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    const job = await waitForJob(stack.baseUrl, id, { timeoutMs: 60_000 });
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("LANGUAGE_UNSUPPORTED");
    const row = await stack.db.job.findUniqueOrThrow({ where: { id } });
    expect(row.attempts).toBe(1);
    const stages = await stack.db.jobEvent.count({ where: { jobId: id, type: "stage_completed" } });
    expect(stages).toBe(0);
  });
});

describe("inputs without speech complete with empty captions", () => {
  it.each([
    { name: "a video without an audio track", make: () => makeVideoWithoutAudio({ durationSec: 3 }) },
    { name: "a video whose audio is silent", make: () => makeSilentVideo({ durationSec: 3 }) },
  ])("$name → completed, noSpeech, a playable video and empty subtitle files", async ({ make }) => {
    const file = await make();
    const job = await captionFile(stack.baseUrl, file.path, { timeoutMs: 60_000 });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    expect(job.result?.noSpeech).toBe(true);
    const srt = (await download(job.result?.srtUrl ?? "")).toString();
    const vtt = (await download(job.result?.vttUrl ?? "")).toString();
    expect(srt.trim()).toBe("");
    expect(vtt.trim()).toBe("WEBVTT");
    const video = path.join(outDir, `${job.id}.mp4`);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(video, await download(job.result?.videoUrl ?? ""));
    const probe = await probeStreams(video);
    expect(probe.streams.some((s) => s.type === "video")).toBe(true);
    expect(Math.abs(probe.durationSec - file.durationSec)).toBeLessThanOrEqual(0.1);
  });
});

describe("cleanup", () => {
  it("leaves no temp dirs behind after failures and successes", async () => {
    expect(await leftoverTempDirs(stack.env.WORKER_TMP_DIR ?? "")).toEqual([]);
  });
});

/** The job's objects under rendered/ in the stack's local storage (other tests' outputs sit beside them). */
async function storedOutputsOf(jobId: string): Promise<string[]> {
  const rendered = path.join(stack.dataDir, "objects", "rendered");
  return existsSync(rendered) ? (await readdir(rendered)).filter((name) => name.startsWith(jobId)) : [];
}
