import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captionFile } from "../support/api-client";
import { assertCaptionedOutput, leftoverTempDirs } from "../support/assert-captioned";
import { makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";

// The product's heart, end to end through the public API with the offline recogniser: a clip whose
// speech is known goes in, a captioned video and subtitle files come out.
const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer. Please bring your questions to the meeting on Friday.";

let stack: Stack;
let outDir: string;

beforeAll(async () => {
  stack = await startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx" } });
  outDir = await mkdtemp(path.join(tmpdir(), "captioner-out-"));
});

afterAll(async () => {
  await stack?.stop();
  await rm(outDir, { recursive: true, force: true });
});

describe("worker pipeline with the offline recogniser (pocketsphinx)", () => {
  it("burns the spoken words into the picture and writes matching SRT and VTT", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    const job = await captionFile(stack.baseUrl, clip.path);
    const dir = await mkdtemp(path.join(outDir, "burn-"));
    const { wer, cues } = await assertCaptionedOutput(job, { ...clip, script: SCRIPT, outDir: dir });
    console.log(
      `pocketsphinx burn-in: WER ${(wer * 100).toFixed(1)}%, ${cues} cues, ${clip.durationSec.toFixed(2)} s clip`,
    );
    expect(job.result?.language).toBe("en");
    expect(job.result?.transcriber).toEqual({
      backend: "pocketsphinx",
      model: "en-us",
      punctuation: "guessed",
      wordTiming: "native",
    });

    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id }, include: { events: true } });
    const stages = row.events.filter((e) => e.type === "stage_completed").map((e) => e.stage);
    expect(stages).toEqual([
      "downloading",
      "probing",
      "extracting_audio",
      "transcribing",
      "building_captions",
      "rendering",
      "uploading",
    ]);
    expect(row.outputVideoKey).toMatch(new RegExp(`^rendered/${job.id}-\\d+\\.mp4$`));
    expect(row.outputSrtKey).toBe(row.outputVideoKey?.replace(/\.mp4$/, ".srt"));
    expect(row.attempts).toBe(1);
  });

  it("muxes soft subtitles without touching the picture when burnIn is false", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    const job = await captionFile(stack.baseUrl, clip.path, { burnIn: false });
    const dir = await mkdtemp(path.join(outDir, "soft-"));
    await assertCaptionedOutput(job, { ...clip, script: SCRIPT, outDir: dir });
    expect(job.result?.burnIn).toBe(false);
  });

  it("leaves no temp dirs behind", async () => {
    expect(await leftoverTempDirs(stack.env.WORKER_TMP_DIR ?? "")).toEqual([]);
  });
});
