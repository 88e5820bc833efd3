import type { Job } from "../generated/prisma/client";
import type { Storage } from "../storage";

export interface OutputUrls {
  videoUrl: string;
  srtUrl: string;
  vttUrl: string;
}

/**
 * Short-lived download URLs of a completed job's three outputs, named after the uploaded file
 * (`talk.captioned.mp4`); null while the job has no outputs. Shared by the public API and the console.
 */
export async function outputDownloadUrls(
  storage: Storage,
  job: Pick<Job, "status" | "originalFilename" | "outputVideoKey" | "outputSrtKey" | "outputVttKey">,
  options: { baseUrl: string; expiresInSec: number },
): Promise<OutputUrls | null> {
  if (job.status !== "completed" || !job.outputVideoKey || !job.outputSrtKey || !job.outputVttKey) return null;
  const stem = (job.originalFilename ?? "video").replace(/\.[^.]*$/, "") || "video";
  const url = (key: string, ext: string) =>
    storage.createDownloadUrl(key, { ...options, downloadName: `${stem}.captioned.${ext}` });
  const [videoUrl, srtUrl, vttUrl] = await Promise.all([
    url(job.outputVideoKey, "mp4"),
    url(job.outputSrtKey, "srt"),
    url(job.outputVttKey, "vtt"),
  ]);
  return { videoUrl, srtUrl, vttUrl };
}
