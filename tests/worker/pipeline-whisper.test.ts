import { copyFile, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSrt, parseVtt } from "../../lib/captions";
import { captionFile, download } from "../support/api-client";
import { makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";
import { testWhisperModel } from "../support/test-whisper-model";

// A whole job through the real worker with TRANSCRIBER=whisper and the GENERATED random-weight model
// (real ggml format, real binding; no real weights can be downloaded here): the captions are gibberish,
// so this checks the plumbing — the job completes and its SRT/VTT are well-formed and in time order —
// never what was said.
const SCRIPT = "Good morning and welcome to the weekly update. The new studio opens next month.";

let stack: Stack;
let dir: string;
let model: string;

beforeAll(async () => {
  model = await testWhisperModel();
  dir = await mkdtemp(path.join(tmpdir(), "captioner-whisper-"));
  stack = await startStack({ workerEnv: { TRANSCRIBER: "whisper", WHISPER_MODEL_PATH: model, WHISPER_THREADS: "2" } });
});

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("worker pipeline with local Whisper (generated test model: plumbing, not accuracy)", () => {
  it("says at start which backend it chose and why", () => {
    const log = stack.workers[0]?.output() ?? "";
    expect(log).toContain("speech recognition backend chosen");
    expect(log).toMatch(/TRANSCRIBER=whisper: .*ggml-test-v\d+\.en\.bin \(English only\)/);
  });

  it("completes a job whose SRT and VTT cues are in time order, starting inside the video", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    const job = await captionFile(stack.baseUrl, clip.path, { burnIn: false });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    expect(job.progress).toBe(100);
    expect(job.result?.language).toBe("en");
    // The shared capability declaration names the backend and the model (an English-only `.en` model).
    expect(job.result?.transcriber).toMatchObject({ backend: "whisper", punctuation: "native", wordTiming: "native" });
    expect(job.result?.transcriber?.model).toMatch(/\.en$/);

    const srt = (await download(job.result?.srtUrl ?? "")).toString("utf8");
    const vtt = (await download(job.result?.vttUrl ?? "")).toString("utf8");
    const cues = parseSrt(srt);
    expect(cues.length).toBeGreaterThan(0);
    expect(parseVtt(vtt)).toEqual(cues);
    let previousEnd = 0;
    for (const cue of cues) {
      expect(cue.start).toBeGreaterThanOrEqual(previousEnd);
      expect(cue.end).toBeGreaterThan(cue.start);
      // Starts inside the video; the caption builder may hold the last cue past the end to reach its
      // minimum display time (it is not told the video's duration), so ends are not bounded here.
      expect(cue.start).toBeLessThan(clip.durationSec);
      previousEnd = cue.end;
    }
  });

  it("a model file that does not load fails the job permanently, with a message saying so", async () => {
    const broken = path.join(dir, "ggml-broken.en.bin");
    await copyFile(model, broken);
    const handle = await open(broken, "r+");
    await handle.truncate(1_000_000); // the header survives, the weights do not: an interrupted copy
    await handle.close();
    await Promise.all(stack.workers.map((w) => w.stop()));
    await stack.startWorker({ WHISPER_MODEL_PATH: broken });

    const clip = await makeSpeechVideo({ script: SCRIPT });
    const job = await captionFile(stack.baseUrl, clip.path, { burnIn: false });
    expect(job.status).toBe("failed");
    expect(job.error).toMatchObject({
      code: "TRANSCRIPTION_FAILED",
      message: expect.stringMatching(/model could not be loaded/),
    });
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.attempts).toBe(1); // permanent: no retries burnt on a model that cannot load
  });

  it("a missing model stops the worker at start with one line saying what to do", async () => {
    await expect(
      stack.startWorker({ WHISPER_MODEL_PATH: path.join(dir, "missing", "ggml-base.en.bin") }),
    ).rejects.toThrow(
      /captioner: TRANSCRIBER=whisper needs a model: none found at .*missing.*npm run model:download -- base\.en/,
    );
  });
});
