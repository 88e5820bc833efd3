import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { parseSrt } from "../../lib/captions";
import { adminPost, signIn } from "../admin/staff-sessions";
import { captionFile, download, submitJob, uploadFile, waitForJob } from "../support/api-client";
import { assertCaptionedOutput } from "../support/assert-captioned";
import { makeForeignSpeechVideo, makeSpeechVideo, makeTwoTrackMkv } from "../support/make-media";
import { extractSubtitleCues, probeStreams } from "../support/media-checks";
import { type Stack, startStack } from "../support/stack";
import { wordErrorRate } from "../support/wer";

// Inputs nobody here made, end to end with the offline recogniser: a VP8/Vorbis WebM with soft
// subtitles, an MKV whose first audio track is silent, and a render that really fails on its first
// attempt(s) — the retry reuses the checkpointed transcript instead of recognising again.

const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer.";

let stack: Stack;
let outDir: string;

beforeAll(async () => {
  stack = await startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx" } });
  outDir = await mkdtemp(path.join(tmpdir(), "captioner-inputs-"));
  await upsertUser(stack.db, { email: "admin@inputs.test", role: "admin", password: "admin-password-1" });
});

afterAll(async () => {
  await stack?.stop();
  await rm(outDir, { recursive: true, force: true });
});

async function eventsOf(jobId: string) {
  return stack.db.jobEvent.findMany({ where: { jobId }, orderBy: { id: "asc" } });
}

describe("soft subtitles on an input MP4 cannot carry (VP8/Vorbis WebM)", () => {
  it("comes back as an MP4 with a mov_text track whose cues are the SRT's", async () => {
    const clip = await makeForeignSpeechVideo({ script: SCRIPT, codec: "webm" });
    const job = await captionFile(stack.baseUrl, clip.path, { burnIn: false, contentType: "video/webm" });
    const dir = await mkdtemp(path.join(outDir, "webm-"));
    const { wer } = await assertCaptionedOutput(job, { ...clip, script: SCRIPT, outDir: dir, maxWer: 0.25 });
    console.log(`VP8/Vorbis soft subtitles: WER ${(wer * 100).toFixed(1)}%`);
    const srtCues = parseSrt((await download(job.result?.srtUrl ?? "")).toString("utf8"));
    const trackCues = await extractSubtitleCues(path.join(dir, "output.mp4"));
    expect(trackCues.map((c) => c.lines.join(" "))).toEqual(srtCues.map((c) => c.lines.join(" ")));
    const events = await eventsOf(job.id);
    expect(events.find((e) => e.type === "completed")?.message).toMatch(/re-encode-soft-subtitles/);
  });
});

describe("audio track choice (MKV: track 0 silent, track 1 speech)", () => {
  it("transcribes the track with speech, says so in the timeline, and keeps that track", async () => {
    const clip = await makeTwoTrackMkv({ script: SCRIPT });
    const job = await captionFile(stack.baseUrl, clip.path, { contentType: "video/x-matroska", profile: "bbc" });
    const dir = await mkdtemp(path.join(outDir, "mkv-"));
    const { wer } = await assertCaptionedOutput(job, { ...clip, script: SCRIPT, outDir: dir, maxWer: 0.25 });
    // Built to the BBC profile (37-character lines) and reported against it.
    expect(job.options.profile).toBe("bbc");
    expect(job.result?.readability).toMatchObject({
      profile: "bbc",
      compliantShare: 1,
      rules: { maxCharsPerLine: 37 },
    });
    expect(job.result?.readability?.maxLineLength).toBeLessThanOrEqual(37);
    console.log(`two-track MKV, silent first track: WER ${(wer * 100).toFixed(1)}%`);
    const note = (await eventsOf(job.id)).find((e) => e.type === "note" && e.stage === "extracting_audio");
    expect(note?.message).toMatch(/audio track 1 of 2 .*the first with sound; silent: 0/);
    expect(note?.data).toMatchObject({ audioTrack: 1, reason: "first-with-sound" });
    const audio = (await probeStreams(path.join(dir, "output.mp4"))).streams.filter((s) => s.type === "audio");
    expect(audio).toHaveLength(1);
  });

  it("uses audioTrack when asked, even the silent one, and refuses a track that does not exist", async () => {
    const clip = await makeTwoTrackMkv({ script: SCRIPT });
    const silent = await captionFile(stack.baseUrl, clip.path, { audioTrack: 0 });
    expect(silent.status).toBe("completed");
    expect(silent.result?.noSpeech).toBe(true);
    expect(silent.options.audioTrack).toBe(0);

    const missing = await captionFile(stack.baseUrl, clip.path, { audioTrack: 2, timeoutMs: 60_000 });
    expect(missing.status).toBe("failed");
    expect(missing.error?.code).toBe("AUDIO_TRACK_NOT_FOUND");
    expect(missing.error?.message).toMatch(/2 audio tracks/);
  });
});

/**
 * Makes the next `count` job attempts' renders fail for real: a directory where ffmpeg must write
 * `output.mp4` (in each new per-attempt temp dir) makes ffmpeg exit with an error.
 */
function sabotageRenders(count: number): { stop: () => void; done: () => number } {
  const workDir = stack.env.WORKER_TMP_DIR ?? "";
  const seen = new Set<string>();
  let sabotaged = 0;
  let running = true;
  void (async () => {
    while (running && sabotaged < count) {
      const names = await readdir(workDir).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.startsWith("captioner-job-") || seen.has(name) || sabotaged >= count) continue;
        seen.add(name);
        await mkdir(path.join(workDir, name, "output.mp4")).then(
          () => sabotaged++,
          () => {},
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return { stop: () => (running = false), done: () => sabotaged };
}

function stageEvents(events: Awaited<ReturnType<typeof eventsOf>>, type: string, stage: string) {
  return events.filter((e) => e.type === type && e.stage === stage);
}

describe("never recognised twice", () => {
  it("a render failure on attempt 1 is retried from the transcript checkpoint: ASR runs once", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    const sabotage = sabotageRenders(1);
    const job = await captionFile(stack.baseUrl, clip.path, { timeoutMs: 120_000 });
    sabotage.stop();
    expect(sabotage.done()).toBe(1);
    const dir = await mkdtemp(path.join(outDir, "retry-"));
    const { cues } = await assertCaptionedOutput(job, { ...clip, script: SCRIPT, outDir: dir });
    expect(job.result?.readability).toMatchObject({ profile: "netflix-en", cues, compliantShare: 1 });
    expect(job.result?.readability?.cps.max).toBeLessThanOrEqual(20);

    const events = await eventsOf(job.id);
    const retrying = events.find((e) => e.type === "retrying");
    expect(retrying).toMatchObject({ attempt: 1, stage: "rendering" });
    expect(retrying?.message).toMatch(/^RENDER_FAILED/);
    expect(stageEvents(events, "stage_completed", "transcribing").map((e) => e.attempt)).toEqual([1]);
    expect(stageEvents(events, "stage_completed", "extracting_audio").map((e) => e.attempt)).toEqual([1]);
    const skipped = events.filter((e) => e.type === "stage_skipped");
    expect(skipped.map((e) => [e.attempt, e.stage])).toEqual([
      [2, "extracting_audio"],
      [2, "transcribing"],
    ]);
    expect(skipped[1]?.message).toBe("Reusing the transcript of attempt 1 (pocketsphinx).");
    expect(stageEvents(events, "stage_completed", "rendering").map((e) => e.attempt)).toEqual([2]);
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id }, include: { transcript: true } });
    expect(row.attempts).toBe(2);
    expect(row.transcript).toMatchObject({ backend: "pocketsphinx", language: "en", attempt: 1, audioTrack: 0 });
  });

  it("an admin retry of a job whose renders kept failing resumes from the checkpoint too", async () => {
    const cookie = await signIn(stack.baseUrl, "admin@inputs.test", "admin-password-1");
    const clip = await makeSpeechVideo({ script: SCRIPT });
    // Every automatic attempt (3, backoff 10 s + 20 s) fails at rendering: the job ends failed.
    const sabotage = sabotageRenders(3);
    const id = await submitJob(stack.baseUrl, { key: await uploadFile(stack.baseUrl, clip.path) });
    const failed = await waitForJob(stack.baseUrl, id, { timeoutMs: 150_000 });
    sabotage.stop();
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("RENDER_FAILED");

    const res = await adminPost(stack, `/api/admin/jobs/${id}/retry`, cookie);
    expect(res.status).toBe(200);
    const done = await waitForJob(stack.baseUrl, id, { timeoutMs: 90_000 });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    const heard = parseSrt((await download(done.result?.srtUrl ?? "")).toString("utf8"))
      .flatMap((c) => c.lines)
      .join(" ");
    expect(wordErrorRate(SCRIPT, heard)).toBeLessThan(0.15);

    const events = await eventsOf(id);
    expect(stageEvents(events, "stage_completed", "transcribing")).toHaveLength(1);
    const starts = events.filter((e) => e.type === "started").length;
    expect(starts).toBe(4);
    // Every attempt after the first skipped recognition: 3 of them, two skipped stages each.
    expect(stageEvents(events, "stage_skipped", "transcribing")).toHaveLength(3);
  });
});
