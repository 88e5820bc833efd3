import type { AppServices } from "../app-services";
import { type StoredTranscriber, storedTranscriberSchema } from "../asr/capabilities";
import { DEFAULT_CAPTION_PROFILE } from "../captions/profiles";
import type { ReadabilityReport } from "../captions/readability";
import { JOB_ERRORS } from "../error-codes";
import type { JobStatus } from "../generated/prisma/enums";
import { JOB_ID_PATTERN } from "../ids";
import { cachedRetentionPolicy, expiredMessage, inputExpiredMessage, retentionDeadlines } from "../jobs/retention";
import { outputDownloadUrls } from "../video/output-urls";
import { consoleThumbnailUrl } from "./job-thumbnail";
import { describeSubmitter, type Submitter } from "./submitter";

export interface TimelineEntry {
  id: string;
  at: Date;
  attempt: number;
  type: string;
  stage: string | null;
  message: string | null;
  durationMs: number | null;
  /** Error detail of failed/retrying events: only for roles allowed to see error details. */
  detail: Record<string, unknown> | null;
}

export interface JobDetail {
  id: string;
  status: JobStatus;
  phase: string | null;
  progress: number;
  /** Automatic attempts over all runs (the row's counter). */
  attempts: number;
  /** Runs: the first one plus every retry an admin started (console or queue board). */
  runs: number;
  /** Automatic attempts within the latest run. */
  attemptsThisRun: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  processingMs: number | null;
  submitter: Submitter;
  /**
   * The console URL of the frame captured at the latest render (lib/admin/job-thumbnail.ts); kept while an
   * edit re-renders, replaced when it completes; null without one.
   */
  thumbnailUrl: string | null;
  /**
   * How long the latest run took: the recorded processing time of a completed job, else from its start to
   * its end (failed and canceled jobs too). null while it has not both started and finished.
   */
  elapsedMs: number | null;
  /** Who canceled a canceled job (the console's audit trail); null when unknown or not canceled. */
  canceledBy: string | null;
  /** What retention (or a purge) deleted, and the sentence saying so; null fields while kept. */
  retention: {
    inputDeletedAt: Date | null;
    outputsDeletedAt: Date | null;
    /** When retention will delete them, under the workers' schedule (null: not due, kept, or unknown). */
    inputExpiresAt: Date | null;
    expiresAt: Date | null;
    /** Why the job can no longer run (retry, edits): set once the input is gone. */
    inputMessage: string | null;
    /** The public sentence of an expired job. */
    expiredMessage: string | null;
  };
  input: {
    key: string;
    filename: string | null;
    size: number | null;
    contentType: string | null;
    durationSec: number | null;
  };
  options: { language: string | null; burnIn: boolean; audioTrack: number | null; profile: string };
  result: {
    videoUrl: string;
    srtUrl: string;
    vttUrl: string;
    language: string | null;
    /** Who heard the speech (null for jobs finished before it was recorded). */
    transcriber: StoredTranscriber | null;
    cueCount: number | null;
    noSpeech: boolean;
    readability: ReadabilityReport | null;
  } | null;
  error: {
    code: string;
    message: string | null;
    /** A permanent code (bad input, cancel): never retried automatically, and a retry fails the same way. */
    permanent: boolean;
    /** Only for roles allowed to see error details. */
    detail: Record<string, unknown> | null;
  } | null;
  timeline: TimelineEntry[];
  audit: { id: string; at: Date; userEmail: string; action: string; data: unknown }[];
}

const DETAIL_EVENT_TYPES = new Set(["failed", "retrying"]);

/**
 * A job as the console's job page shows it. Error details (stderr tails, backend errors) are left out
 * unless `withErrorDetail`: they never reach a role that may not read them, not even in the page payload.
 */
export async function getJobDetail(
  services: Pick<AppServices, "db" | "storage" | "env" | "maintenanceQueue">,
  id: string,
  options: { withErrorDetail: boolean; baseUrl: string },
): Promise<JobDetail | null> {
  if (!JOB_ID_PATTERN.test(id)) return null;
  const job = await services.db.job.findUnique({
    where: { id },
    include: {
      events: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
      audits: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
      apiKey: { select: { name: true } },
      submittedByUser: { select: { email: true } },
    },
  });
  if (!job) return null;

  const jobOptions = (job.options ?? {}) as {
    language?: string;
    burnIn?: boolean;
    audioTrack?: number;
    profile?: string;
  };
  let result: JobDetail["result"] = null;
  const urls = await outputDownloadUrls(services.storage, job, {
    baseUrl: options.baseUrl,
    expiresInSec: services.env.DOWNLOAD_URL_TTL_SEC,
  });
  if (urls) {
    result = {
      ...urls,
      language: job.detectedLanguage,
      transcriber: storedTranscriberSchema.safeParse(job.transcriber).data ?? null,
      cueCount: job.cueCount,
      noSpeech: job.noSpeech,
      readability: (job.readability as ReadabilityReport | null) ?? null,
    };
  }

  const lastRetry = job.events.findLastIndex((event) => event.type === "retried");
  const thisRun = job.events.slice(lastRetry + 1);
  const cancel = job.status === "canceled" ? job.audits.findLast((entry) => entry.action === "job.cancel") : undefined;
  const elapsedMs =
    job.processingMs ??
    (job.startedAt && job.finishedAt ? Math.max(0, job.finishedAt.getTime() - job.startedAt.getTime()) : null);

  return {
    id: job.id,
    status: job.status,
    phase: job.phase,
    progress: job.progress,
    attempts: job.attempts,
    runs: 1 + job.events.filter((event) => event.type === "retried").length,
    attemptsThisRun: Math.max(0, ...thisRun.map((event) => event.attempt)),
    elapsedMs,
    canceledBy: cancel?.userEmail ?? null,
    retention: {
      inputDeletedAt: job.inputDeletedAt,
      outputsDeletedAt: job.outputsDeletedAt,
      ...retentionDeadlines(job, await cachedRetentionPolicy(services.maintenanceQueue)),
      inputMessage: job.inputDeletedAt ? inputExpiredMessage(job) : null,
      expiredMessage: job.status === "expired" ? expiredMessage(job) : null,
    },
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    processingMs: job.processingMs,
    thumbnailUrl: consoleThumbnailUrl(job),
    submitter: describeSubmitter({
      apiKeyId: job.apiKeyId,
      apiKeyName: job.apiKey?.name ?? null,
      submittedByUserId: job.submittedByUserId,
      submitterEmail: job.submittedByUser?.email ?? null,
      submitterIpHash: job.submitterIpHash,
    }),
    input: {
      key: job.inputKey,
      filename: job.originalFilename,
      size: job.inputSize === null ? null : Number(job.inputSize),
      contentType: job.contentType,
      durationSec: job.durationSec ?? probedDuration(job.errorDetail),
    },
    options: {
      language: jobOptions.language ?? null,
      burnIn: jobOptions.burnIn !== false,
      audioTrack: jobOptions.audioTrack ?? null,
      profile: jobOptions.profile ?? DEFAULT_CAPTION_PROFILE,
    },
    result,
    error: job.errorCode
      ? {
          code: job.errorCode,
          message: job.errorMessage,
          permanent: isPermanent(job.errorCode),
          detail: options.withErrorDetail ? asRecord(job.errorDetail) : null,
        }
      : null,
    timeline: job.events.map((event) => ({
      id: String(event.id),
      at: event.createdAt,
      attempt: event.attempt,
      type: event.type,
      stage: event.stage,
      message: event.message,
      durationMs: event.durationMs,
      detail: options.withErrorDetail && DETAIL_EVENT_TYPES.has(event.type) ? asRecord(event.data) : null,
    })),
    audit: job.audits.map((entry) => ({
      id: String(entry.id),
      at: entry.createdAt,
      userEmail: entry.userEmail,
      action: entry.action,
      data: entry.data,
    })),
  };
}

function isPermanent(code: string): boolean {
  return code in JOB_ERRORS && !JOB_ERRORS[code as keyof typeof JOB_ERRORS].retryable;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A job that failed after probing (e.g. TOO_LONG) has its media duration only in the error detail. */
function probedDuration(detail: unknown): number | null {
  const value = asRecord(detail)?.durationSec;
  return typeof value === "number" ? value : null;
}
