import { z } from "zod";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { JOB_ERRORS, type JobErrorCode } from "../error-codes";
import type { Job } from "../generated/prisma/client";
import { JOB_ID_PATTERN } from "../ids";
import { outputDownloadUrls } from "./output-urls";
import { queuePlace } from "./queue-position";

const iso = z.string().describe("ISO 8601 date-time");

/** The public job: what GET /api/video/job/:id answers (and, without download URLs, what webhooks carry). */
export const publicJobSchema = z
  .object({
    id: z.string(),
    status: z.enum(["queued", "processing", "completed", "failed", "canceled"]),
    phase: z.string().nullable(),
    progress: z.number().int().min(0).max(100),
    createdAt: iso,
    updatedAt: iso,
    startedAt: iso.nullable(),
    finishedAt: iso.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    /** While queued: the place in line and an estimated wait; null otherwise. */
    queue: z
      .object({
        /** 1 = next to start. */
        position: z.number().int().min(1),
        /** Seconds until a worker should take it; null when there is no basis for an estimate. */
        estimatedStartSec: z.number().nullable(),
      })
      .nullable(),
    /** What was asked for: the language (null = detect automatically) and burned-in vs soft subtitles. */
    options: z.object({ language: z.string().nullable(), burnIn: z.boolean() }),
    result: z
      .object({
        videoUrl: z.string(),
        srtUrl: z.string(),
        vttUrl: z.string(),
        durationSec: z.number().nullable(),
        language: z.string().nullable(),
        burnIn: z.boolean(),
        /** true when no speech was found: the captions are empty on purpose. */
        noSpeech: z.boolean(),
      })
      .nullable(),
  })
  .meta({ id: "Job" });

export type PublicJob = z.infer<typeof publicJobSchema>;

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
  const fields = publicJobFields(job);
  return {
    ...fields,
    queue: job.status === "queued" ? await queuePlace(services.db, job) : null,
    result: urls && fields.result && { ...urls, ...fields.result },
  };
}

/**
 * The public job without download URLs (a webhook body: signed URLs would expire before a late retry
 * arrives; clients fetch fresh ones from GET /api/video/job/:id). `result` is null until completed.
 */
export function publicJobFields(job: Job): Omit<PublicJob, "result"> & {
  result: Omit<NonNullable<PublicJob["result"]>, "videoUrl" | "srtUrl" | "vttUrl"> | null;
} {
  const options = job.options as { language?: string; burnIn?: boolean };
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
    // Webhooks announce final statuses: a place in line only matters to GET /api/video/job/:id.
    queue: null,
    result:
      job.status === "completed"
        ? {
            durationSec: job.durationSec,
            language: job.detectedLanguage,
            burnIn: options.burnIn !== false,
            noSpeech: job.noSpeech,
          }
        : null,
  };
}

/** The stored message is written for the public by the worker; unknown codes fall back to INTERNAL's text. */
function publicMessage(code: string, stored: string | null): string {
  return stored ?? JOB_ERRORS[code as JobErrorCode]?.message ?? JOB_ERRORS.INTERNAL.message;
}
