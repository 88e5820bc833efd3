import { z } from "zod";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { storedTranscriberSchema } from "../asr/capabilities";
import { CAPTION_PROFILE_NAMES, type CaptionProfile, DEFAULT_CAPTION_PROFILE } from "../captions/profiles";
import type { ReadabilityReport } from "../captions/readability";
import { JOB_ERRORS, type JobErrorCode } from "../error-codes";
import type { Job } from "../generated/prisma/client";
import { JOB_ID_PATTERN } from "../ids";
import { cachedRetentionPolicy, expiredMessage, type RetentionPolicy, retentionDeadlines } from "../jobs/retention";
import { outputDownloadUrls } from "./output-urls";
import { queuePlace } from "./queue-position";

const iso = z.string().describe("ISO 8601 date-time");

/** The readability report (lib/captions/readability.ts), described for clients; the worker computes it. */
const readabilitySchema = z
  .object({
    profile: z.enum(CAPTION_PROFILE_NAMES),
    rules: z.object({
      maxCharsPerLine: z.number(),
      maxLines: z.number(),
      minDurationSec: z.number(),
      maxDurationSec: z.number(),
      maxCharsPerSecond: z.number(),
    }),
    cues: z.number().int(),
    /** Cues breaking each rule (a cue may break several). */
    violations: z.record(z.string(), z.number().int()),
    /** Cues that break no rule, 0–1. */
    compliantShare: z.number(),
    cps: z.object({ p50: z.number(), p95: z.number(), max: z.number() }),
    durationSec: z.object({ min: z.number(), p50: z.number(), max: z.number() }),
    maxLineLength: z.number(),
  })
  .describe("Readability report");

/** The public job: what GET /api/video/job/:id answers (and, without download URLs, what webhooks carry). */
export const publicJobSchema = z
  .object({
    id: z.string(),
    /** `expired`: its files were deleted (retention policy or an administrator); see `expiry`. */
    status: z.enum(["queued", "processing", "completed", "failed", "canceled", "expired"]),
    phase: z.string().nullable(),
    progress: z.number().int().min(0).max(100),
    createdAt: iso,
    updatedAt: iso,
    startedAt: iso.nullable(),
    finishedAt: iso.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    /**
     * When the uploaded video was deleted (retention or purge); null while it is kept. Once set, the job can
     * no longer be retried or have its captions edited (409 INPUT_EXPIRED); its outputs may remain.
     */
    inputDeletedAt: iso.nullable(),
    /**
     * When the server's retention schedule will delete the uploaded video / every file of the job (the job
     * then reads `expired`), within one sweep interval after. Null while the job is not finished, when that
     * kind of file is kept forever or already deleted, or when no schedule is known.
     */
    inputExpiresAt: iso.nullable(),
    expiresAt: iso.nullable(),
    /** Set when the status is `expired`: why and when every file of the job was deleted. */
    expiry: z
      .object({
        /** retention: the server's retention policy; purged: an administrator deleted them at once. */
        reason: z.enum(["retention", "purged"]),
        deletedAt: iso,
        message: z.string(),
      })
      .nullable(),
    /** While queued: the place in line and an estimated wait; null otherwise. */
    queue: z
      .object({
        /** 1 = next to start. */
        position: z.number().int().min(1),
        /** Seconds until a worker should take it; null when there is no basis for an estimate. */
        estimatedStartSec: z.number().nullable(),
      })
      .nullable(),
    /**
     * What was asked for: the language (null = detect automatically), burned-in vs soft subtitles, the audio
     * track (null = chosen by the worker: the default track, else the first with sound) and caption profile.
     */
    options: z.object({
      language: z.string().nullable(),
      burnIn: z.boolean(),
      audioTrack: z.number().int().nullable(),
      profile: z.enum(CAPTION_PROFILE_NAMES),
    }),
    result: z
      .object({
        videoUrl: z.string(),
        srtUrl: z.string(),
        vttUrl: z.string(),
        /**
         * A JPEG frame of the rendered video (captions burned in show), fitting 320×320; null when the job has
         * none (finished before thumbnails, or the capture failed). Short-lived like the other URLs.
         */
        thumbnailUrl: z.string().nullable(),
        durationSec: z.number().nullable(),
        /** The spoken language: detected, or the one the job asked for. */
        language: z.string().nullable(),
        /** Who heard the speech; null for jobs finished before this was recorded. */
        transcriber: storedTranscriberSchema.nullable(),
        burnIn: z.boolean(),
        /** true when no speech was found: the captions are empty on purpose. */
        noSpeech: z.boolean(),
        /** How the captions measure against the job's caption profile; null for jobs finished before reports. */
        readability: readabilitySchema.nullable(),
        /** The caption version shown: 1 as recognised, 2, 3… after edits (GET …/captions lists them all). */
        version: z.number().int().min(1),
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
  const fields = publicJobFields(job, await cachedRetentionPolicy(services.maintenanceQueue));
  return {
    ...fields,
    queue: job.status === "queued" ? await queuePlace(services.db, job) : null,
    result: urls && fields.result && { ...urls, ...fields.result },
  };
}

/**
 * The public job without download URLs (a webhook body: signed URLs would expire before a late retry
 * arrives; clients fetch fresh ones from GET /api/video/job/:id). `result` is null until completed.
 * `retention`: the policy in force (its deadlines), null when unknown.
 */
export function publicJobFields(
  job: Job,
  retention: RetentionPolicy | null,
): Omit<PublicJob, "result"> & {
  result: Omit<NonNullable<PublicJob["result"]>, "videoUrl" | "srtUrl" | "vttUrl" | "thumbnailUrl"> | null;
} {
  const options = job.options as { language?: string; burnIn?: boolean; audioTrack?: number; profile?: CaptionProfile };
  const deadlines = retentionDeadlines(job, retention);
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
    inputDeletedAt: job.inputDeletedAt?.toISOString() ?? null,
    inputExpiresAt: deadlines.inputExpiresAt?.toISOString() ?? null,
    expiresAt: deadlines.expiresAt?.toISOString() ?? null,
    expiry:
      job.status === "expired" && job.outputsDeletedAt
        ? {
            reason: job.expiredReason === "purged" ? "purged" : "retention",
            deletedAt: job.outputsDeletedAt.toISOString(),
            message: expiredMessage(job),
          }
        : null,
    options: {
      language: options.language ?? null,
      burnIn: options.burnIn !== false,
      audioTrack: options.audioTrack ?? null,
      profile: options.profile ?? DEFAULT_CAPTION_PROFILE,
    },
    // Webhooks announce final statuses: a place in line only matters to GET /api/video/job/:id.
    queue: null,
    result:
      job.status === "completed"
        ? {
            durationSec: job.durationSec,
            language: job.detectedLanguage,
            transcriber: storedTranscriberSchema.safeParse(job.transcriber).data ?? null,
            burnIn: options.burnIn !== false,
            noSpeech: job.noSpeech,
            readability: (job.readability as ReadabilityReport | null) ?? null,
            version: job.captionVersion,
          }
        : null,
  };
}

/** The stored message is written for the public by the worker; unknown codes fall back to INTERNAL's text. */
function publicMessage(code: string, stored: string | null): string {
  return stored ?? JOB_ERRORS[code as JobErrorCode]?.message ?? JOB_ERRORS.INTERNAL.message;
}
