import { readdir } from "node:fs/promises";
import path from "node:path";
import { JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runFfmpeg } from "../ffmpeg";
import { ffmpegOnMedia, mediaInputArgs } from "../media-input";
import { MP4_AUDIO_CODECS } from "../stages/render";
import { runSubprocess, SubprocessError } from "../subprocess";
import { readWavLayout, writeWavChunk } from "../transcribe/silences";

// The media side of the split flow (docs/scaling.md): find keyframes, cut the picture at them without
// re-encoding, slice the audio each segment hears, and join the rendered segments without re-encoding.
// Tested against real ffmpeg in segment-media.test.ts.

/** Presentation times (s) of the first video track's keyframes, read from packet flags (no decoding). */
export async function keyframeTimes(input: {
  file: string;
  demuxer: string;
  durationSec: number;
  signal: AbortSignal;
}) {
  try {
    const { stdout } = await runSubprocess(
      "ffprobe",
      [
        ...["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0"],
        ...mediaInputArgs(input.file, input.demuxer),
      ],
      { timeoutMs: scaledTimeout(TIMEOUTS.probeMs, 50, input.durationSec), signal: input.signal },
    );
    return stdout
      .split("\n")
      .map((line) => line.split(","))
      .filter(([time, flags]) => flags?.includes("K") && time !== "N/A")
      .map(([time]) => Number(time))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
  } catch (error) {
    input.signal.throwIfAborted();
    const stderrTail = error instanceof SubprocessError ? error.stderrTail : String(error);
    throw new JobError("INVALID_MEDIA", { detail: { stage: "splitting", stderrTail } });
  }
}

/**
 * Cuts the first video track at `cuts` (keyframe times) with stream copy into `seg-0000.mp4`, … in `dir`:
 * only the picture, each segment starting at 0. Returns the files in order. A cut is passed a millisecond
 * early so the segment muxer's "first keyframe at or after" lands on that very keyframe despite rounding.
 */
export async function cutVideo(input: {
  file: string;
  demuxer: string;
  cuts: readonly number[];
  dir: string;
  durationSec: number;
  signal: AbortSignal;
}): Promise<string[]> {
  const command = ffmpegOnMedia(input)
    .outputOptions([
      ...["-map", "0:v:0", "-c", "copy", "-an", "-sn", "-dn", "-f", "segment"],
      ...(input.cuts.length > 0
        ? ["-segment_times", input.cuts.map((t) => Math.max(0, t - 0.001).toFixed(3)).join(",")]
        : []),
      ...["-reset_timestamps", "1", "-segment_format", "mp4"],
    ])
    .output(path.join(input.dir, "seg-%04d.mp4"));
  await runFfmpeg(command, {
    stage: "splitting",
    timeoutMs: scaledTimeout(TIMEOUTS.extractAudioFloorMs, TIMEOUTS.extractAudioPerMediaSecondMs, input.durationSec),
    signal: input.signal,
    failureCode: "INVALID_MEDIA",
  });
  const files = (await readdir(input.dir)).filter((f) => /^seg-\d{4}\.mp4$/.test(f)).sort();
  if (files.length !== input.cuts.length + 1) {
    throw new JobError("RENDER_FAILED", {
      detail: { stage: "splitting", error: `expected ${input.cuts.length + 1} segments, ffmpeg wrote ${files.length}` },
    });
  }
  return files.map((f) => path.join(input.dir, f));
}

/** Duration (s) of a file as ffprobe reports its container. */
export async function fileDurationSec(file: string, signal: AbortSignal): Promise<number> {
  const { stdout } = await runSubprocess(
    "ffprobe",
    ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", ...mediaInputArgs(file, null)],
    { timeoutMs: TIMEOUTS.probeMs, signal },
  );
  const seconds = Number(stdout.trim());
  if (!Number.isFinite(seconds)) throw new Error(`no duration for ${path.basename(file)}`);
  return seconds;
}

/**
 * Copies [startSec, endSec) of a 16 kHz mono s16 WAV (what extractAudio writes) into `out`, sample-exact:
 * a segment's word times are offset by `startSec`, so the slice must start exactly there.
 */
export async function sliceWav(wav: string, startSec: number, endSec: number, out: string): Promise<void> {
  const layout = await readWavLayout(wav);
  const startSample = Math.min(layout.totalSamples, Math.max(0, Math.round(startSec * layout.sampleRate)));
  const endSample = Math.min(layout.totalSamples, Math.max(startSample, Math.round(endSec * layout.sampleRate)));
  await writeWavChunk(wav, layout, { startSample, endSample }, out);
}

/** The container the parent keeps a copied audio track in (see copyAudioTrack). */
export type AudioContainer = "mp4" | "matroska";

/**
 * The chosen audio track as it is (stream copy): the parent muxes it back once over the joined picture,
 * so no segment seam ever touches the sound (re-encoding AAC per segment would put a priming gap at every
 * seam). In MP4 when MP4 carries the codec: its edit list keeps AAC's priming trimmed (Matroska loses it,
 * 0.1 s too long); else in Matroska, which carries any codec.
 */
export async function copyAudioTrack(input: {
  file: string;
  demuxer: string;
  track: number;
  codec: string | null;
  out: string;
  durationSec: number;
  signal: AbortSignal;
}): Promise<AudioContainer> {
  const container: AudioContainer = MP4_AUDIO_CODECS.has(input.codec ?? "") ? "mp4" : "matroska";
  const command = ffmpegOnMedia(input)
    .outputOptions(["-map", `0:a:${input.track}`, "-c", "copy", "-vn", "-sn", "-dn"])
    .format(container)
    .output(input.out);
  await runFfmpeg(command, {
    stage: "splitting",
    timeoutMs: scaledTimeout(TIMEOUTS.extractAudioFloorMs, TIMEOUTS.extractAudioPerMediaSecondMs, input.durationSec),
    signal: input.signal,
    failureCode: "INVALID_MEDIA",
  });
  return container;
}

/** How the media-input rules open a track copied by copyAudioTrack (its container's demuxer). */
export function audioContainerDemuxer(container: AudioContainer): string {
  return container === "mp4" ? "mov" : "matroska";
}
