import { stat } from "node:fs/promises";
import type { Cue } from "../../lib/captions/types";
import { JobError } from "../../lib/error-codes";
import { TIMEOUTS } from "../../lib/timeouts";
import { runFfmpeg } from "../ffmpeg";
import { ffmpegOnMedia } from "../media-input";

/** The thumbnail fits a square of this many pixels (320×180 for 16:9, 180×320 for a phone video). */
export const THUMBNAIL_BOX_PX = 320;

/** Our own render is an MP4: its demuxer is pinned like an upload's (worker/media-input.ts). */
const RENDERED_DEMUXER = "mov";

/**
 * When to take the frame: the middle of the first caption still on screen after the first ~10% of the
 * video (titles and fades are over, and burned-in captions show); with captions only before that, the last
 * one's middle; without captions, 10% in. Pure; exported for tests.
 */
export function thumbnailTimeSec(cues: readonly Pick<Cue, "start" | "end">[], durationSec: number): number {
  const end = Math.max(0, durationSec - 0.1);
  const tenth = durationSec * 0.1;
  const later = cues.find((c) => c.end > tenth);
  const last = cues.at(-1);
  // A caption on screen matters more than the 10% rule: with captions only early on, the last one's middle.
  const at = later ? (Math.max(later.start, tenth) + later.end) / 2 : last ? (last.start + last.end) / 2 : tenth;
  return Math.round(Math.min(Math.max(0, at), end) * 1000) / 1000;
}

/**
 * Captures one JPEG frame of the rendered output at `atSec`, scaled to fit THUMBNAIL_BOX_PX. Reads our own
 * output (so burned-in captions show), through the one ffmpeg runner, with its limit from the table.
 * Throws when ffmpeg fails or writes no picture (it exits 0 when the seek lands past the last frame).
 */
export async function captureThumbnail(input: {
  file: string;
  atSec: number;
  output: string;
  signal: AbortSignal;
}): Promise<void> {
  const box = THUMBNAIL_BOX_PX;
  const command = ffmpegOnMedia({ file: input.file, demuxer: RENDERED_DEMUXER })
    // Seeking before decoding: ffmpeg decodes from the keyframe before and drops frames up to `atSec`.
    .inputOptions(["-ss", String(input.atSec)])
    .videoFilters([`scale=w=${box}:h=${box}:force_original_aspect_ratio=decrease:force_divisible_by=2`])
    // -q:v 5: JPEG quality ~75, a few KB at 320 px; yuvj420p is what every browser decodes.
    .outputOptions(["-map", "0:v:0", "-frames:v", "1", "-q:v", "5", "-pix_fmt", "yuvj420p", "-an", "-sn"])
    .format("image2")
    .output(input.output);
  await runFfmpeg(command, {
    stage: "rendering",
    timeoutMs: TIMEOUTS.thumbnailMs,
    signal: input.signal,
    failureCode: "RENDER_FAILED",
  });
  const size = await stat(input.output).then(
    (s) => s.size,
    () => 0,
  );
  if (size === 0) {
    throw new JobError("RENDER_FAILED", {
      detail: { stage: "rendering", error: `ffmpeg wrote no picture at ${input.atSec} s` },
    });
  }
}
