import { createHash } from "node:crypto";
import { z } from "zod";
import { type Caller, submitterColumns } from "../api/caller";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { configuredCapabilities, supportsLanguage } from "../asr/capabilities";
import { captionStyleSchema } from "../captions/caption-style";
import { CAPTION_PROFILE_NAMES } from "../captions/profiles";
import { Prisma } from "../generated/prisma/client";
import { newJobId } from "../ids";
import { enqueueCaptionJob, QueueUnavailableError } from "../jobs/enqueue";
import { newManageToken } from "../jobs/manage-token";
import { checkJobLimits } from "../rate-limit/enforce";
import { isValidObjectKey } from "../storage";

export const processRequestSchema = z
  .object({
    key: z.string().min(1).max(512),
    /** "auto" (default) or an ISO 639-1 code such as "en". */
    language: z
      .union([z.literal("auto"), z.string().regex(/^[a-z]{2}$/, 'must be "auto" or a two-letter code')])
      .optional(),
    burnIn: z.boolean().optional(),
    /** Audio track to caption, counted from 0 among audio tracks; default: chosen by the worker. */
    audioTrack: z.number().int().min(0).max(63).optional(),
    /** Caption rules: "netflix-en" (default), "bbc", "children" or "social". */
    profile: z.enum(CAPTION_PROFILE_NAMES).optional(),
    /** Burned-in look: { preset, fontSize, position, background, textColor, backgroundColor, maxLines, highlightWords }. */
    style: captionStyleSchema.optional(),
  })
  .strict();

const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The answer of POST /api/video/process (202). */
export const processAcceptedSchema = z
  .object({ id: z.string(), status: z.string(), statusUrl: z.string() })
  .meta({ id: "ProcessAccepted" });

export interface ProcessResult extends z.infer<typeof processAcceptedSchema> {
  /** true when an Idempotency-Key matched an earlier request and no new job was made. */
  replayed: boolean;
  /**
   * Lets the submitter edit the job's captions (Authorization: Bearer). Shown once, on the request that
   * made the job; a replay cannot show it again (only its hash is stored).
   */
  manageToken?: string;
}

/**
 * Creates the job row, then enqueues it. If Redis refuses, the row is removed again and the caller
 * gets 503: a job either exists and is queued, or does not exist at all.
 */
export async function createProcessJob(
  services: AppServices,
  body: unknown,
  idempotencyKey: string | null,
  caller: Caller,
): Promise<ProcessResult> {
  const input = processRequestSchema.parse(body);
  if (!input.key.startsWith("uploads/") || !isValidObjectKey(input.key)) {
    throw new ApiError("VALIDATION_ERROR", "key: must be a key returned by POST /api/video/upload.");
  }
  if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new ApiError("VALIDATION_ERROR", "Idempotency-Key must be 1–255 printable ASCII characters.");
  }
  // Refused before anything is stored or queued: the workers' recogniser cannot hear this language.
  const capabilities = configuredCapabilities(services.env);
  if (!supportsLanguage(capabilities, input.language)) {
    throw new ApiError(
      "LANGUAGE_UNSUPPORTED",
      `language: "${input.language}" is not offered by this server's speech recogniser (${capabilities.backend}); ` +
        `use "auto" or one of: ${capabilities.languages.join(", ")}.`,
      { languages: capabilities.languages },
    );
  }
  const options = {
    language: input.language === "auto" ? undefined : input.language,
    burnIn: input.burnIn ?? true,
    ...(input.audioTrack === undefined ? {} : { audioTrack: input.audioTrack }),
    ...(input.profile === undefined ? {} : { profile: input.profile }),
    ...(input.style === undefined ? {} : { style: input.style }),
  };
  const requestHash = createHash("sha256")
    .update(JSON.stringify({ key: input.key, ...options }))
    .digest("hex");

  if (idempotencyKey) {
    const earlier = await findIdempotentJob(services, idempotencyKey, requestHash);
    if (earlier) return { ...publicRef(earlier.id, earlier.status), replayed: true };
  }

  // After the replay check: repeating a request that already made a job is never refused.
  await checkJobLimits(services, caller);
  const info = await services.storage.head(input.key);
  if (!info) throw new ApiError("INPUT_NOT_FOUND", "No uploaded file was found for this key; upload it first.");

  const id = newJobId();
  const manage = newManageToken();
  try {
    await services.db.job.create({
      data: {
        id,
        inputKey: input.key,
        originalFilename: input.key.split("/").pop() ?? null,
        inputSize: BigInt(info.size),
        contentType: info.contentType ?? null,
        options,
        manageTokenHash: manage.hash,
        ...submitterColumns(caller),
        events: { create: { type: "queued", message: "Job created" } },
        ...(idempotencyKey ? { idempotencyKeys: { create: { key: idempotencyKey, requestHash } } } : {}),
      },
    });
  } catch (error) {
    // Two identical requests raced: the other one made the job; answer with it.
    if (idempotencyKey && isUniqueViolation(error)) {
      const earlier = await findIdempotentJob(services, idempotencyKey, requestHash);
      if (earlier) return { ...publicRef(earlier.id, earlier.status), replayed: true };
    }
    throw error;
  }

  try {
    await enqueueCaptionJob(services.queue, id);
  } catch (error) {
    await services.db.job.delete({ where: { id } });
    if (error instanceof QueueUnavailableError) {
      throw new ApiError("QUEUE_UNAVAILABLE", "The processing queue is unavailable; try again in a moment.");
    }
    throw error;
  }
  return { ...publicRef(id, "queued"), replayed: false, manageToken: manage.token };
}

async function findIdempotentJob(services: AppServices, key: string, requestHash: string) {
  const row = await services.db.idempotencyKey.findUnique({ where: { key }, include: { job: true } });
  if (!row) return null;
  if (Date.now() - row.createdAt.getTime() > IDEMPOTENCY_WINDOW_MS) {
    await services.db.idempotencyKey.delete({ where: { key } }).catch(() => {});
    return null;
  }
  if (row.requestHash !== requestHash) {
    throw new ApiError("IDEMPOTENCY_CONFLICT", "This Idempotency-Key was already used with a different request body.");
  }
  return row.job;
}

function publicRef(id: string, status: string) {
  return { id, status, statusUrl: `/api/video/job/${id}` };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
