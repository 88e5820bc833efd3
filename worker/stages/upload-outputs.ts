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
 * one), all at once: over a real link each small file costs a round trip or more, which the video's upload
 * hides. The row is only ever pointed at the keys after every upload has finished; when one fails, the
 * others are awaited and all of them deleted, so no half-set of outputs is left behind.
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
  input.signal.throwIfAborted();
  let done = 0;
  const results = await Promise.allSettled(
    steps.map(async ([key, file, contentType]) => {
      await storage.uploadFile(key, file, { contentType });
      done += 1;
      input.report(done / steps.length);
    }),
  );
  const failed = results.find((result) => result.status === "rejected");
  if (failed || input.signal.aborted) {
    // Don't leave a half-set of outputs behind: the row never points at them, so they would only cost space.
    await Promise.allSettled(steps.map(([key]) => storage.delete(key)));
    input.signal.throwIfAborted();
    const error = (failed as PromiseRejectedResult).reason;
    throw new JobError("STORAGE_ERROR", {
      cause: error,
      detail: { stage: "uploading", error: String((error as Error)?.message ?? error) },
    });
  }
  return { video: keys.video, srt: keys.srt, vtt: keys.vtt, thumbnail: input.files.thumbnail ? keys.thumbnail : null };
}
