import { existsSync } from "node:fs";
import type { FfmpegCommand } from "fluent-ffmpeg";
import { JobError, type JobErrorCode } from "../lib/error-codes";
import { runSubprocess, SubprocessError } from "./subprocess";

// Lines ffmpeg prints when the input itself is broken (truncated, not a media file): retrying cannot
// help, so these make a permanent INVALID_MEDIA instead of a retryable RENDER_FAILED.
const BROKEN_INPUT = [
  /moov atom not found/i,
  /Invalid data found when processing input/i,
  /partial file/i,
  /error while decoding/i,
  /Truncating packet/i,
  /Packet corrupt/i,
  /stream \d+, offset 0x[0-9a-f]+: partial file/i,
];

export function looksLikeBrokenInput(stderr: string): boolean {
  return BROKEN_INPUT.some((pattern) => pattern.test(stderr));
}

/** "00:01:02.50" → 62.5 */
export function parseTimemark(timemark: string): number {
  const match = /^(-?\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(timemark.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

export interface FfmpegRunOptions {
  stage: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** For progress: the media duration the output's timemark is measured against. */
  durationSec?: number;
  onProgress?: (fraction: number) => void;
  /** The code a generic ffmpeg failure maps to (RENDER_FAILED, INVALID_MEDIA…). */
  failureCode: JobErrorCode;
  /** Treat "broken input" lines in stderr as a failure even when ffmpeg exits 0 (it often does). */
  strictInput?: boolean;
}

/** ffmpeg's stats line (`frame=… time=00:00:01.23 bitrate=…`): how far the output has got. */
const STATS_TIME = /\btime=\s*(-?\d+:\d+:\d+(?:\.\d+)?)/;

/**
 * Runs a fluent-ffmpeg command on the one subprocess runner (worker/subprocess.ts): fluent-ffmpeg only
 * builds the arguments. Timeout and abort SIGKILL ffmpeg (a render holds nothing worth saving); progress
 * comes from the `time=` of ffmpeg's stats lines. Failures become JobErrors carrying the stderr tail; an
 * abort rejects with the signal's reason.
 */
export async function runFfmpeg(command: FfmpegCommand, options: FfmpegRunOptions): Promise<{ stderrTail: string }> {
  options.signal.throwIfAborted();
  let brokenInput = false;
  const onStderrLine = (line: string) => {
    if (options.strictInput && looksLikeBrokenInput(line)) brokenInput = true;
    if (!options.onProgress || !options.durationSec) return;
    const time = STATS_TIME.exec(line)?.[1];
    const seconds = time === undefined ? Number.NaN : parseTimemark(time);
    if (Number.isFinite(seconds)) options.onProgress(seconds / options.durationSec);
  };
  let stderrTail: string;
  try {
    ({ stderrTail } = await runSubprocess(ffmpegBinary(), ffmpegArguments(command), {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      keepStdout: false,
      stderrTailChars: 6_000,
      onStderrLine,
    }));
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    if (!(error instanceof SubprocessError)) throw error;
    const tail = error.stderrTail;
    if (error.reason === "timeout") {
      throw new JobError("TIMEOUT", {
        cause: error,
        detail: { stage: options.stage, timeoutMs: options.timeoutMs, stderrTail: tail },
      });
    }
    throw new JobError(looksLikeBrokenInput(tail) ? "INVALID_MEDIA" : options.failureCode, {
      cause: error,
      detail: { stage: options.stage, error: error.message, stderrTail: tail },
    });
  }
  if (brokenInput) throw new JobError("INVALID_MEDIA", { detail: { stage: options.stage, stderrTail } });
  return { stderrTail };
}

/** The binary fluent-ffmpeg's own run() would start: FFMPEG_PATH when that file exists, else `ffmpeg` on PATH. */
function ffmpegBinary(): string {
  const configured = process.env.FFMPEG_PATH;
  return configured && existsSync(configured) ? configured : "ffmpeg";
}

/**
 * The one place that reaches into fluent-ffmpeg (2.1.x, lib/processor.js): `_getArguments()` is what its
 * run() hands to ffmpeg — every input with its options, global options, `-y` for file outputs, complex
 * filters, and every output with its codecs, filters, options and `-f` format. run() also checks codec
 * availability and adds `-strict experimental` for experimental `-acodec`/`-vcodec` encoders (none of ours;
 * ffmpeg itself refuses an unknown codec, with the reason in the stderr tail). Stream inputs and outputs
 * would need pipes the runner does not give, so they are refused.
 */
function ffmpegArguments(command: FfmpegCommand): string[] {
  const internals = command as unknown as {
    _getArguments?: () => string[];
    _inputs?: { source: unknown }[];
    _outputs?: { target?: unknown }[];
  };
  if (typeof internals._getArguments !== "function" || !internals._inputs || !internals._outputs) {
    throw new Error("fluent-ffmpeg no longer exposes _getArguments/_inputs/_outputs: update worker/ffmpeg.ts");
  }
  if (!internals._outputs.some((output) => "target" in output)) throw new Error("ffmpeg command has no output");
  const streams =
    internals._inputs.some((input) => typeof input.source !== "string") ||
    internals._outputs.some((output) => "target" in output && typeof output.target !== "string");
  if (streams) throw new Error("runFfmpeg runs commands on files only (no stream inputs or outputs)");
  return internals._getArguments();
}
