import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { JOB_ERRORS, type JobErrorCode } from "../error-codes";
import { JOB_ID_PATTERN } from "../ids";
import { outputDownloadUrls } from "./output-urls";
import { type QueuePlace, queuePlace } from "./queue-position";

export interface PublicJob {
  id: string;
  status: string;
  phase: string | null;
  progress: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  /** While queued: the place in line and an estimated wait; null otherwise. */
  queue: QueuePlace | null;
  /** What was asked for: the language (null = detect automatically) and burned-in vs soft subtitles. */
  options: { language: string | null; burnIn: boolean };
  result: {
    videoUrl: string;
    srtUrl: string;
    vttUrl: string;
    durationSec: number | null;
    language: string | null;
    burnIn: boolean;
    /** true when no speech was found: the captions are empty on purpose. */
    noSpeech: boolean;
  } | null;
}

/**
 * The public view of a job: status, progress, the public error message and short-lived download URLs.
 * Nothing internal (storage keys, error detail, stack traces) leaves through here.
 */
export async function getPublicJob(services: AppServices, id: string, origin: string): Promise<PublicJob> {
  if (!JOB_ID_PATTERN.test(id)) throw new ApiError("JOB_NOT_FOUND", "No job with this id.");
  const job = await services.db.job.findUnique({ where: { id } });
  if (!job) throw new ApiError("JOB_NOT_FOUND", "No job with this id.");

  const urls = await outputDownloadUrls(services.storage, job, {
    baseUrl: origin,
    expiresInSec: services.env.DOWNLOAD_URL_TTL_SEC,
  });
  const options = job.options as { language?: string; burnIn?: boolean };
  const result: PublicJob["result"] = urls && {
    ...urls,
    durationSec: job.durationSec,
    language: job.detectedLanguage,
    burnIn: options.burnIn !== false,
    noSpeech: job.noSpeech,
  };

  return {
    id: job.id,
    status: job.status,
    phase: job.phase,
    progress: job.progress,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    error: job.errorCode ? { code: job.errorCode, message: publicMessage(job.errorCode, job.errorMessage) } : null,
    options: { language: options.language ?? null, burnIn: options.burnIn !== false },
    queue: job.status === "queued" ? await queuePlace(services.db, job) : null,
    result,
  };
}

/** The stored message is written for the public by the worker; unknown codes fall back to INTERNAL's text. */
function publicMessage(code: string, stored: string | null): string {
  return stored ?? JOB_ERRORS[code as JobErrorCode]?.message ?? JOB_ERRORS.INTERNAL.message;
}
