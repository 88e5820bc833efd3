import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cue } from "../../lib/captions";
import { toAss } from "../../lib/captions/ass";
import { resolveCaptionStyle } from "../../lib/captions/caption-style";
import { makeKeyframedSpeechVideo, probeDurationSec } from "../../tests/support/make-media";
import { probeStreams, ssim, videoFrames } from "../../tests/support/media-checks";
import { extractAudio } from "../stages/extract-audio";
import { type MediaInfo, probeMedia } from "../stages/probe";
import { joinSegments, renderVideo } from "../stages/render";
import { planCuts, segmentBounds } from "./plan-segments";
import {
  audioContainerDemuxer,
  copyAudioTrack,
  cutVideo,
  fileDurationSec,
  keyframeTimes,
  sliceWav,
} from "./segment-media";

// The split flow's media path with real ffmpeg: cut at keyframes without re-encoding, burn each segment
// in at its own place in time, join without re-encoding, put the original sound back. The joined video
// must be the single-pass render: same frames, same length, same picture (SSIM), captions across seams.
const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer. Please bring your questions to the meeting on Friday. Lunch will be served in the main hall after the talks, and the buses leave at five.";

let dir: string;
let input: string;
let media: MediaInfo;
const signal = new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "captioner-split-media-"));
  input = (await makeKeyframedSpeechVideo({ script: SCRIPT, keyframeEverySec: 2 })).path;
  media = await probeMedia(input, { maxDurationSec: 3600, signal });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("split media", () => {
  it("finds the keyframes and cuts the picture at them into segments that add up to the whole", async () => {
    const keyframes = await keyframeTimes({
      file: input,
      demuxer: media.demuxer,
      durationSec: media.durationSec,
      signal,
    });
    expect(keyframes.slice(0, 3)).toEqual([0, 2, 4]);
    const cuts = planCuts(keyframes, media.durationSec, 4);
    expect(cuts.length).toBeGreaterThanOrEqual(2);
    const cutDir = path.join(dir, "cut");
    await mkdir(cutDir);
    const files = await cutVideo({
      file: input,
      demuxer: media.demuxer,
      cuts,
      dir: cutDir,
      durationSec: media.durationSec,
      signal,
    });
    expect(files).toHaveLength(cuts.length + 1);
    const lengths = await Promise.all(files.map((f) => fileDurationSec(f, signal)));
    // Each segment starts at its cut: the measured lengths put the cuts back where they were planned.
    const bounds = segmentBounds(cuts, media.durationSec, lengths);
    for (const [i, b] of bounds.slice(1).entries()) expect(b.startSec).toBeCloseTo(cuts[i] ?? 0, 2);
    const frames = await Promise.all(files.map(videoFrames));
    expect(frames.reduce((n, f) => n + f.frames, 0)).toBe((await videoFrames(input)).frames);
  });

  it("joins segments burned in at their own times into the single-pass render, seams invisible", async () => {
    const keyframes = await keyframeTimes({
      file: input,
      demuxer: media.demuxer,
      durationSec: media.durationSec,
      signal,
    });
    const cuts = planCuts(keyframes, media.durationSec, 4);
    const cutDir = path.join(dir, "join");
    await mkdir(cutDir);
    const files = await cutVideo({
      file: input,
      demuxer: media.demuxer,
      cuts,
      dir: cutDir,
      durationSec: media.durationSec,
      signal,
    });
    const lengths = await Promise.all(files.map((f) => fileDurationSec(f, signal)));
    const bounds = segmentBounds(cuts, media.durationSec, lengths);

    // Cues that straddle every cut: a seam that drew them late, early or twice would show.
    const cues: Cue[] = [];
    for (let t = 0.3; t + 1.4 < media.durationSec; t += 1.5) {
      cues.push({ start: t, end: t + 1.4, lines: [`Caption at ${t.toFixed(1)} seconds`, "crossing the seams"] });
    }
    const ass = path.join(dir, "captions.ass");
    await writeFile(
      ass,
      toAss(cues, resolveCaptionStyle(undefined), { width: media.width ?? 320, height: media.height ?? 240 }),
    );
    const render = (file: string, info: MediaInfo, output: string, timeOffsetSec: number, audioTrack: number | null) =>
      renderVideo({
        file,
        media: info,
        audioTrack,
        srtFile: ass,
        assFile: ass,
        burnIn: true,
        timeOffsetSec,
        output,
        preset: "ultrafast",
        crf: 23,
        signal,
        report: () => {},
      });

    const single = path.join(dir, "single.mp4");
    await render(input, media, single, 0, 0);
    const rendered: string[] = [];
    for (const [i, file] of files.entries()) {
      const info = await probeMedia(file, { maxDurationSec: 3600, signal });
      const out = path.join(cutDir, `rendered-${i}.mp4`);
      await render(file, info, out, bounds[i]?.startSec ?? 0, null);
      rendered.push(out);
    }
    const audio = path.join(cutDir, "audio.track");
    const container = await copyAudioTrack({
      file: input,
      demuxer: media.demuxer,
      track: 0,
      codec: media.audioCodec,
      out: audio,
      durationSec: media.durationSec,
      signal,
    });
    const joined = path.join(dir, "joined.mp4");
    await joinSegments({
      segments: rendered,
      audio: {
        file: audio,
        demuxer: audioContainerDemuxer(container),
        track: 0,
        codec: media.audioCodec,
        language: null,
      },
      list: path.join(cutDir, "segments.txt"),
      output: joined,
      durationSec: media.durationSec,
      signal,
    });

    const [a, b] = await Promise.all([videoFrames(single), videoFrames(joined)]);
    expect(b.frames).toBe(a.frames);
    const [sa, sb] = await Promise.all([probeStreams(single), probeStreams(joined)]);
    // The container's duration (longest stream) equals the input's within one frame.
    expect(Math.abs(sb.durationSec - media.durationSec)).toBeLessThanOrEqual(1 / a.fps);
    expect(sb.streams).toEqual([
      { type: "video", codec: "h264" },
      { type: "audio", codec: "aac" },
    ]);
    expect(sa.streams.map((s) => s.type)).toEqual(["video", "audio"]);
    const score = await ssim(joined, single);
    console.log(`split render: ${files.length} segments, SSIM ${score.toFixed(4)} vs single pass`);
    expect(score).toBeGreaterThanOrEqual(0.99);
  });

  it("slices the recogniser's WAV sample-exactly", async () => {
    const wav = await extractAudio({
      file: input,
      demuxer: media.demuxer,
      track: 0,
      workDir: dir,
      durationSec: media.durationSec,
      signal,
      report: () => {},
    });
    const slice = path.join(dir, "slice.wav");
    await sliceWav(wav, 1.5, 4.25, slice);
    // 2.75 s of 16 kHz mono s16 = 44,000 samples, 88,000 bytes, plus the 44-byte header.
    expect((await stat(slice)).size).toBe(44 + 88_000);
    expect(await probeDurationSec(slice)).toBeCloseTo(2.75, 3);
  });
});
