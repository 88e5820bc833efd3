import { readdir } from "node:fs/promises";
import { expect } from "vitest";
import { checkCue, checkCueSequence, parseSrt, parseVtt } from "../../lib/captions";
import type { PublicJob } from "../../lib/video/job-status";
import { download } from "./api-client";
import { frameBand, meanAbsDiff, probeStreams } from "./media-checks";
import { wordErrorRate } from "./wer";

/**
 * Everything a user would check on a finished job: the SRT holds the script (WER), every cue obeys the
 * line rules, the MP4 has video and audio and the input's duration, the captions are really in the
 * picture (burn-in) or in a subtitle track (soft), and the VTT parses to the same cues.
 */
export async function assertCaptionedOutput(
  job: PublicJob,
  input: { path: string; durationSec: number; script: string; outDir: string; maxWer?: number },
): Promise<{ wer: number; cues: number }> {
  expect(job.status, JSON.stringify(job.error)).toBe("completed");
  expect(job.progress).toBe(100);
  const result = job.result;
  if (!result) throw new Error("completed job without a result");

  const srt = (await download(result.srtUrl)).toString("utf8");
  const vtt = (await download(result.vttUrl)).toString("utf8");
  const cues = parseSrt(srt);
  expect(cues.length).toBeGreaterThan(0);
  const heard = cues.flatMap((cue) => cue.lines).join(" ");
  const wer = wordErrorRate(input.script, heard);
  expect(wer, `heard: ${heard}`).toBeLessThanOrEqual(input.maxWer ?? 0.15);
  for (const cue of cues) expect(checkCue(cue), JSON.stringify(cue)).toEqual([]);
  expect(checkCueSequence(cues)).toEqual([]);
  expect(vtt.startsWith("WEBVTT")).toBe(true);
  expect(parseVtt(vtt)).toEqual(cues);

  const video = `${input.outDir}/output.mp4`;
  const { writeFile } = await import("node:fs/promises");
  await writeFile(video, await download(result.videoUrl));
  const probe = await probeStreams(video);
  expect(probe.streams.some((s) => s.type === "video")).toBe(true);
  expect(probe.streams.some((s) => s.type === "audio")).toBe(true);
  expect(Math.abs(probe.durationSec - input.durationSec)).toBeLessThanOrEqual(0.1);
  expect(Math.abs((result.durationSec ?? 0) - input.durationSec)).toBeLessThanOrEqual(0.1);

  const cue = cues[Math.floor(cues.length / 2)] ?? cues[0];
  if (!cue) throw new Error("no cue");
  // The middle of a frame (test media run at 15 fps): a container whose video starts a few ms late
  // (WebM: 16 ms) must not make input and output seek to neighbouring frames.
  const at = (Math.floor(((cue.start + cue.end) / 2) * 15) + 0.5) / 15;
  const captionBand = { top: 0.75, bottom: 1 };
  const topBand = { top: 0, bottom: 0.25 };
  const captionDiff = meanAbsDiff(
    await frameBand(input.path, at, captionBand),
    await frameBand(video, at, captionBand),
  );
  const topDiff = meanAbsDiff(await frameBand(input.path, at, topBand), await frameBand(video, at, topBand));
  if (result.burnIn) {
    // Text drawn over the bottom of the picture changes it far more than re-encoding changes the top.
    expect(captionDiff).toBeGreaterThan(Math.max(4, topDiff * 3));
    expect(probe.streams.some((s) => s.type === "subtitle")).toBe(false);
  } else {
    expect(probe.streams.find((s) => s.type === "subtitle")?.codec).toBe("mov_text");
    // A copied picture is identical; a re-encoded one (e.g. from VP8) differs everywhere alike, and no
    // more at the bottom, where burned-in text would be.
    expect(captionDiff).toBeLessThan(Math.max(2, topDiff * 1.5 + 1));
  }
  return { wer, cues: cues.length };
}

/** The worker's per-job temp dirs: none may remain once jobs end, whatever the outcome. */
export async function leftoverTempDirs(workDir: string): Promise<string[]> {
  try {
    return (await readdir(workDir)).filter((name) => name.startsWith("captioner-job-"));
  } catch {
    return [];
  }
}
