import { JobError } from "../../lib/error-codes";
import type { Storage } from "../../lib/storage";
import { outputKeys } from "../../lib/storage";

export interface OutputFiles {
  video: string;
  srt: string;
  vtt: string;
  /** The captured frame; null when the capture failed (the job completes without a thumbnail). */
  thumbnail: string | null;
}

export interface OutputKeys {
  video: string;
  srt: string;
  vtt: string;
  thumbnail: string | null;
}

/**
 * Uploads the outputs under `rendered/<jobId>-<timestamp>.*` (thumbnail `.jpg` included, when there is
 * one). Subtitles and the thumbnail go first and the video last, so the row is only ever pointed at keys
 * whose uploads all finished.
 */
export async function uploadOutputs(
  storage: Storage,
  input: { jobId: string; files: OutputFiles; signal: AbortSignal; report: (fraction: number) => void },
): Promise<OutputKeys> {
  const keys = outputKeys(input.jobId);
  const steps: [string, string, string][] = [
    [keys.srt, input.files.srt, "application/x-subrip; charset=utf-8"],
    [keys.vtt, input.files.vtt, "text/vtt; charset=utf-8"],
    ...(input.files.thumbnail
      ? [[keys.thumbnail, input.files.thumbnail, "image/jpeg"] as [string, string, string]]
      : []),
    [keys.video, input.files.video, "video/mp4"],
  ];
  try {
    for (const [index, [key, file, contentType]] of steps.entries()) {
      input.signal.throwIfAborted();
      await storage.uploadFile(key, file, { contentType });
      input.report((index + 1) / steps.length);
    }
  } catch (error) {
    input.signal.throwIfAborted();
    // Don't leave a half-set of outputs behind: the row never points at them, so they would only cost space.
    await Promise.allSettled(steps.map(([key]) => storage.delete(key)));
    throw new JobError("STORAGE_ERROR", {
      cause: error,
      detail: { stage: "uploading", error: String((error as Error).message ?? error) },
    });
  }
  return { video: keys.video, srt: keys.srt, vtt: keys.vtt, thumbnail: input.files.thumbnail ? keys.thumbnail : null };
}
