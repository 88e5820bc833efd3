import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type Cue, parseSrt } from "../../lib/captions";
import { runTool } from "./make-media";

const execFileAsync = promisify(execFile);

// Facts about media files, read with ffprobe/ffmpeg: what a user would check by opening the output.

export interface StreamSummary {
  durationSec: number;
  streams: { type: string; codec: string }[];
}

export async function probeStreams(file: string): Promise<StreamSummary> {
  const { stdout } = await runTool(
    "ffprobe",
    ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file],
    30_000,
  );
  const data = JSON.parse(stdout) as {
    format: { duration: string };
    streams: { codec_type: string; codec_name: string }[];
  };
  return {
    durationSec: Number(data.format.duration),
    streams: data.streams.map((s) => ({ type: s.codec_type, codec: s.codec_name })),
  };
}

/** The cues of a file's first subtitle stream, read back with ffmpeg (the way a player would show them). */
export async function extractSubtitleCues(file: string): Promise<Cue[]> {
  const { stdout } = await runTool(
    "ffmpeg",
    ["-v", "error", "-i", file, "-map", "0:s:0", "-f", "srt", "pipe:1"],
    30_000,
  );
  return parseSrt(stdout);
}

/**
 * Grey pixels of one frame at `atSec`, cropped to a horizontal band (fractions of the height), scaled to
 * a fixed size so frames of two files compare pixel by pixel.
 */
export async function frameBand(file: string, atSec: number, band: { top: number; bottom: number }): Promise<Buffer> {
  const height = Math.round(240 * (band.bottom - band.top));
  const { stdout } = await execFileAsync(
    "ffmpeg",
    [
      ...["-v", "error", "-ss", atSec.toFixed(3), "-i", file, "-frames:v", "1"],
      ...["-vf", `scale=320:240,crop=320:${height}:0:${Math.round(240 * band.top)},format=gray`],
      ...["-f", "rawvideo", "pipe:1"],
    ],
    { encoding: "buffer", timeout: 30_000, maxBuffer: 1 << 20 },
  );
  return stdout;
}

/** Mean absolute difference of two equally sized grey images, 0–255. */
export function meanAbsDiff(a: Buffer, b: Buffer): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`frame sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

/**
 * ffmpeg's SSIM of `a` against `b` over all frames (1 = identical); the files must have equal frame sizes.
 * `topFraction` compares only the top part of the picture (e.g. above the captions).
 */
export async function ssim(a: string, b: string, topFraction = 1): Promise<number> {
  const crop = topFraction < 1 ? `crop=iw:trunc(ih*${topFraction}/2)*2:0:0` : "null";
  const { stderr } = await execFileAsync(
    "ffmpeg",
    ["-hide_banner", "-i", a, "-i", b, "-lavfi", `[0:v]${crop}[a];[1:v]${crop}[b];[a][b]ssim`, "-f", "null", "-"],
    { timeout: 120_000, maxBuffer: 1 << 22 },
  );
  const match = /SSIM .*All:([\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no SSIM in ffmpeg's output: ${stderr.slice(-500)}`);
  return Number(match[1]);
}

/** Frames in the first video stream (decoded and counted) and its frame rate. */
export async function videoFrames(file: string): Promise<{ frames: number; fps: number }> {
  const { stdout } = await runTool(
    "ffprobe",
    [
      ...["-v", "error", "-count_frames", "-select_streams", "v:0"],
      ...["-show_entries", "stream=nb_read_frames,r_frame_rate", "-of", "json", file],
    ],
    60_000,
  );
  const stream = (JSON.parse(stdout) as { streams: { nb_read_frames: string; r_frame_rate: string }[] }).streams[0];
  const [num, den] = (stream?.r_frame_rate ?? "0/1").split("/").map(Number);
  return { frames: Number(stream?.nb_read_frames), fps: (num ?? 0) / (den || 1) };
}
