import type { FfmpegCommand } from "fluent-ffmpeg";
import { JobError, type JobErrorCode } from "../lib/error-codes";
import { TailBuffer } from "./subprocess";

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

/**
 * Runs a fluent-ffmpeg command with a timeout, abort (SIGKILL: a render holds nothing worth saving)
 * and progress from ffmpeg's own `time=`. Failures become JobErrors carrying the stderr tail.
 */
export function runFfmpeg(command: FfmpegCommand, options: FfmpegRunOptions): Promise<{ stderrTail: string }> {
  return new Promise((resolve, reject) => {
    options.signal.throwIfAborted();
    const stderr = new TailBuffer(6_000);
    let brokenInput = false;
    let settled = false;
    const finish = (error?: JobError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve({ stderrTail: stderr.toString() });
    };
    const timer = setTimeout(() => {
      command.kill("SIGKILL");
      finish(
        new JobError("TIMEOUT", {
          detail: { stage: options.stage, timeoutMs: options.timeoutMs, stderrTail: stderr.toString() },
        }),
      );
    }, options.timeoutMs);
    const onAbort = () => {
      command.kill("SIGKILL");
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(options.signal.reason);
    };
    options.signal.addEventListener("abort", onAbort, { once: true });

    command
      .on("stderr", (line: string) => {
        stderr.push(`${line}\n`);
        if (options.strictInput && looksLikeBrokenInput(line)) brokenInput = true;
      })
      .on("progress", (progress: { timemark?: string }) => {
        if (!options.onProgress || !options.durationSec || !progress.timemark) return;
        const seconds = parseTimemark(progress.timemark);
        if (Number.isFinite(seconds)) options.onProgress(seconds / options.durationSec);
      })
      .on("error", (error: Error) => {
        const tail = stderr.toString();
        const code = looksLikeBrokenInput(tail) ? "INVALID_MEDIA" : options.failureCode;
        finish(
          new JobError(code, {
            cause: error,
            detail: { stage: options.stage, error: error.message, stderrTail: tail },
          }),
        );
      })
      .on("end", () => {
        if (brokenInput) {
          finish(new JobError("INVALID_MEDIA", { detail: { stage: options.stage, stderrTail: stderr.toString() } }));
        } else finish();
      })
      .run();
  });
}
