import { open, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import ffmpeg from "fluent-ffmpeg";
import { JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runFfmpeg } from "../ffmpeg";
import { ffmpegOnMedia, mediaInputArgs } from "../media-input";
import { MP4_AUDIO_CODECS } from "../stages/render";
import { runSubprocess, SubprocessError } from "../subprocess";

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
  const handle = await open(wav, "r");
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (head.toString("ascii", 0, 4) !== "RIFF" || head.toString("ascii", 8, 12) !== "WAVE")
      throw new Error("not a WAV file");
    // Walk the chunks: ffmpeg writes a LIST chunk before `data`.
    let offset = 12;
    let format: { channels: number; rate: number; bits: number } | undefined;
    let dataStart = -1;
    let dataSize = 0;
    while (offset + 8 <= bytesRead) {
      const id = head.toString("ascii", offset, offset + 4);
      const size = head.readUInt32LE(offset + 4);
      if (id === "fmt ") {
        format = {
          channels: head.readUInt16LE(offset + 10),
          rate: head.readUInt32LE(offset + 12),
          bits: head.readUInt16LE(offset + 22),
        };
      } else if (id === "data") {
        dataStart = offset + 8;
        dataSize = size;
        break;
      }
      offset += 8 + size + (size % 2);
    }
    if (!format || dataStart < 0) throw new Error("WAV without fmt or data chunk");
    const frameBytes = (format.channels * format.bits) / 8;
    const total = Math.floor(
      (dataSize === 0xffffffff || dataSize === 0 ? (await handle.stat()).size - dataStart : dataSize) / frameBytes,
    );
    const first = Math.min(total, Math.max(0, Math.round(startSec * format.rate)));
    const last = Math.min(total, Math.max(first, Math.round(endSec * format.rate)));
    const body = Buffer.alloc((last - first) * frameBytes);
    await handle.read(body, 0, body.length, dataStart + first * frameBytes);
    const header = Buffer.alloc(44);
    header.write("RIFF", 0, "ascii");
    header.writeUInt32LE(36 + body.length, 4);
    header.write("WAVEfmt ", 8, "ascii");
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(format.channels, 22);
    header.writeUInt32LE(format.rate, 24);
    header.writeUInt32LE(format.rate * frameBytes, 28);
    header.writeUInt16LE(frameBytes, 32);
    header.writeUInt16LE(format.bits, 34);
    header.write("data", 36, "ascii");
    header.writeUInt32LE(body.length, 40);
    await writeFile(out, Buffer.concat([header, body]));
  } finally {
    await handle.close();
  }
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

/**
 * Joins rendered segments (same encoder, same settings) with the concat demuxer and stream copy, and
 * muxes the audio track back in (copied when MP4 can carry its codec, else AAC, as the single-pass render
 * does). +faststart: playback starts before the download ends.
 */
export async function concatSegments(input: {
  segments: readonly string[];
  audio: { file: string; container: AudioContainer; codec: string | null; language: string | null } | null;
  dir: string;
  output: string;
  durationSec: number;
  signal: AbortSignal;
  report?: (fraction: number) => void;
}): Promise<void> {
  const list = path.join(input.dir, "segments.txt");
  // The concat demuxer's own quoting: our paths come from our temp dirs, so refuse anything unusual.
  for (const file of input.segments) {
    if (!/^[A-Za-z0-9_./-]+$/.test(file)) throw new Error(`unsafe path for the concat list: ${file}`);
  }
  await writeFile(list, input.segments.map((file) => `file '${path.resolve(file)}'\n`).join(""));
  const command = ffmpeg()
    .input(list)
    .inputOptions(["-hide_banner", "-f", "concat", "-safe", "0", "-protocol_whitelist", "file"]);
  const options = ["-map", "0:v:0", "-c:v", "copy"];
  if (input.audio) {
    command.input(`file:${path.resolve(input.audio.file)}`).inputOptions(["-f", input.audio.container]);
    const copy = MP4_AUDIO_CODECS.has(input.audio.codec ?? "");
    options.push("-map", "1:a:0", "-c:a", copy ? "copy" : "aac", ...(copy ? [] : ["-b:a", "128k"]));
    if (input.audio.language) options.push("-metadata:s:a:0", `language=${input.audio.language}`);
  }
  options.push("-movflags", "+faststart");
  command.outputOptions(options).format("mp4").output(input.output);
  await runFfmpeg(command, {
    stage: "rendering",
    timeoutMs: scaledTimeout(TIMEOUTS.extractAudioFloorMs, TIMEOUTS.extractAudioPerMediaSecondMs, input.durationSec),
    signal: input.signal,
    durationSec: input.durationSec,
    onProgress: input.report,
    failureCode: "RENDER_FAILED",
  });
}
