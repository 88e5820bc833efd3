import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCue, checkCueSequence, parseSrt, parseVtt } from "../../lib/captions";
import { captionFile, download } from "../support/api-client";
import { makeShortPictureSpeechVideo, makeTimedSpeechWav, makeVideoOverWav } from "../support/make-media";
import { extractSubtitleCues, probeStreams } from "../support/media-checks";
import { type Stack, startStack } from "../support/stack";

// Captions end with the video (docs/job-lifecycle.md, "Captions and the end of the video"). Real speech,
// real pocketsphinx, real ffmpeg: what a user downloads and plays.

let stack: Stack;
let outDir: string;

beforeAll(async () => {
  stack = await startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx" } });
  outDir = await mkdtemp(path.join(tmpdir(), "captioner-end-"));
});

afterAll(async () => {
  await stack?.stop();
  await rm(outDir, { recursive: true, force: true });
});

/** A sentence, 2 s of silence, then "Goodbye." ending 50 ms before the end of the clip. */
async function lastWordAtTheEnd() {
  const wav = await makeTimedSpeechWav({
    sentences: ["Welcome back to the weekly show, everybody.", "Goodbye."],
    pausesSec: [2, 0.05],
    leadSec: 0.3,
  });
  return makeVideoOverWav({ wav });
}

async function captionsOf(job: Awaited<ReturnType<typeof captionFile>>) {
  expect(job.status, JSON.stringify(job.error)).toBe("completed");
  const srt = parseSrt((await download(job.result?.srtUrl ?? "")).toString("utf8"));
  const vtt = parseVtt((await download(job.result?.vttUrl ?? "")).toString("utf8"));
  const video = path.join(outDir, `${job.id}.mp4`);
  await writeFile(video, await download(job.result?.videoUrl ?? ""));
  return { srt, vtt, video };
}

describe("the last word at the very end of the clip", () => {
  it.each([
    { mode: "soft subtitles", burnIn: false },
    { mode: "burn-in", burnIn: true },
  ])(
    "$mode: its cue ends with the video, stays up for the minimum, and the MP4 is no longer than the input",
    async ({ burnIn }) => {
      const clip = await lastWordAtTheEnd();
      const job = await captionFile(stack.baseUrl, clip.path, { burnIn, timeoutMs: 120_000 });
      const { srt, vtt, video } = await captionsOf(job);
      const last = srt.at(-1);
      // The minimum display time used to carry "Goodbye." ~0.36 s past the end of the 5.14 s clip.
      expect(last?.lines.join(" ")).toMatch(/goodbye/i);
      expect(last?.end).toBeLessThanOrEqual(clip.durationSec);
      expect(last?.end).toBeGreaterThan(clip.durationSec - 0.002);
      for (const cue of srt) expect(checkCue(cue), JSON.stringify(cue)).toEqual([]);
      expect(checkCueSequence(srt)).toEqual([]);
      expect(vtt).toEqual(srt);
      // A soft subtitle track running on made the MP4 longer than its picture and sound (5.494 s vs 5.137 s).
      const output = await probeStreams(video);
      expect(output.durationSec).toBeLessThanOrEqual(clip.durationSec + 0.01);
      if (!burnIn) expect((await extractSubtitleCues(video)).at(-1)?.end).toBeLessThanOrEqual(clip.durationSec);
    },
  );
});

describe("speech that goes on after the picture stops", () => {
  it("keeps its captions: the output lasts as long as the sound, and no cue runs past it", async () => {
    // The picture stops at 1.5 s, the speech at ~4 s: the container (and the output) lasts as long as the
    // sound, so the captions of the words said over no picture stay (a player holds the last frame).
    const clip = await makeShortPictureSpeechVideo({
      script: "The picture stops here, but the talking goes on for a while longer.",
      pictureSec: 1.5,
    });
    const job = await captionFile(stack.baseUrl, clip.path, { burnIn: false, timeoutMs: 120_000 });
    const { srt, video } = await captionsOf(job);
    const output = await probeStreams(video);
    expect(Math.abs(output.durationSec - clip.durationSec)).toBeLessThanOrEqual(0.01);
    expect(srt.at(-1)?.end).toBeGreaterThan(1.5);
    expect(srt.at(-1)?.end).toBeLessThanOrEqual(output.durationSec);
  });
});
