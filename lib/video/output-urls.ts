import type { Job } from "../generated/prisma/client";
import type { Storage } from "../storage";

export interface OutputUrls {
  videoUrl: string;
  srtUrl: string;
  vttUrl: string;
  /** A JPEG frame of the rendered video; null for jobs without one (older jobs, a failed capture). */
  thumbnailUrl: string | null;
}

/**
 * Short-lived download URLs of a completed job's outputs, named after the uploaded file
 * (`talk.captioned.mp4`); null while the job has no outputs. Shared by the public API and the console.
 */
export async function outputDownloadUrls(
  storage: Storage,
  job: Pick<Job, "status" | "originalFilename" | "outputVideoKey" | "outputSrtKey" | "outputVttKey" | "thumbnailKey">,
  options: { baseUrl: string; expiresInSec: number },
): Promise<OutputUrls | null> {
  if (job.status !== "completed" || !job.outputVideoKey || !job.outputSrtKey || !job.outputVttKey) return null;
  const stem = (job.originalFilename ?? "video").replace(/\.[^.]*$/, "") || "video";
  const url = (key: string, ext: string) =>
    storage.createDownloadUrl(key, { ...options, downloadName: `${stem}.captioned.${ext}` });
  const [videoUrl, srtUrl, vttUrl, thumbnailUrl] = await Promise.all([
    url(job.outputVideoKey, "mp4"),
    url(job.outputSrtKey, "srt"),
    url(job.outputVttKey, "vtt"),
    job.thumbnailKey ? url(job.thumbnailKey, "jpg") : null,
  ]);
  return { videoUrl, srtUrl, vttUrl, thumbnailUrl };
}
