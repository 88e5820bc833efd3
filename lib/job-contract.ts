import { Queue, type QueueOptions } from "bullmq";
import { z } from "zod";
import { captionStyleSchema } from "./captions/caption-style";
import { CAPTION_PROFILE_NAMES } from "./captions/profiles";
import { JOB_ID_PATTERN } from "./ids";

// The one contract between the API (producer) and the worker (consumer). The payload carries the job's
// id only: Postgres holds everything else, so a payload never goes stale and never carries a secret.

export const CAPTION_QUEUE = "captions";
export const CAPTION_JOB_NAME = "caption";

/**
 * Where a split job's parent is in its flow (worker/split/parent.ts, BullMQ's "process step jobs" pattern):
 * written by the parent itself with job.updateData before it waits for its children, never by the API.
 */
export const splitStateSchema = z
  .object({
    step: z.enum(["transcribing", "rendering"]),
    /** This split run's id: children and storage keys of an earlier run (before an admin retry) never mix in. */
    run: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
    /** When the step's children were queued (ms since epoch), for the step's duration in the timeline. */
    since: z.number(),
    /** When this attempt started (ms since epoch): processingMs spans every step. */
    began: z.number(),
  })
  .strict();
export type SplitState = z.infer<typeof splitStateSchema>;

export const captionJobPayload = z
  .object({ jobId: z.string().regex(JOB_ID_PATTERN), split: splitStateSchema.optional() })
  .strict();
export type CaptionJobPayload = z.infer<typeof captionJobPayload>;

/**
 * Segments of a long video (worker/split): children of a caption job in a flow, consumed by every worker
 * process. `step` says what the child does: recognise its audio (with overlap) or render its picture.
 */
export const SEGMENT_QUEUE = "caption-segments";
export const segmentJobPayload = z
  .object({
    jobId: z.string().regex(JOB_ID_PATTERN),
    run: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
    index: z.number().int().min(0).max(9_999),
    step: z.enum(["transcribe", "render"]),
  })
  .strict();
export type SegmentJobPayload = z.infer<typeof segmentJobPayload>;

export const captionJobOptionsSchema = z
  .object({
    /** ISO 639-1 code, or undefined for automatic detection. */
    language: z
      .string()
      .regex(/^[a-z]{2}$/)
      .optional(),
    /** true: captions burned into the picture; false: a soft subtitle track (no re-encode). */
    burnIn: z.boolean().default(true),
    /**
     * Which audio track to transcribe and keep, counted from 0 among audio tracks (ffmpeg's `0:a:N`);
     * undefined: the default track, else the first that is not silent.
     */
    audioTrack: z.number().int().min(0).max(63).optional(),
    /** The caption rules cues are built to and the readability report checks (lib/captions/profiles.ts). */
    profile: z.enum(CAPTION_PROFILE_NAMES).optional(),
    /** How burned-in captions look (lib/captions/caption-style.ts); maxLines also shapes the cues. */
    style: captionStyleSchema.optional(),
  })
  .strict();
export type CaptionJobOptions = z.infer<typeof captionJobOptionsSchema>;

/**
 * Default options of every caption job (the producer sets them, so the policy lives in one place).
 * - attempts 3 with exponential backoff 10 s, 20 s: rides out a storage or ASR blip without
 *   hammering; permanent errors skip retries entirely (UnrecoverableError in the worker).
 * - removeOnComplete/Fail: Postgres is the record; keep a day of completed and a week of failed
 *   jobs in Redis for the queue board, capped by count so Redis stays small.
 * - jobId = our job id: a duplicate add (e.g. a retried HTTP request) is a no-op in BullMQ.
 * - stackTraceLimit 0: no stack traces in Redis. The queue board shows what BullMQ keeps, to ops too, and
 *   a stack names files on the server; the worker's log has them (worker/queue-record.ts).
 */
export function captionJobDefaults(attempts = 3): NonNullable<QueueOptions["defaultJobOptions"]> {
  return {
    attempts,
    backoff: { type: "exponential", delay: 10_000 },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    stackTraceLimit: 0,
  };
}

/**
 * Options of every segment child (worker/split): a segment that fails retries alone, 3 attempts with
 * exponential backoff from 5 s (a segment is minutes of work at most: a shorter wait than a whole job's).
 * Completed children go at once (the parent read their results from Postgres); failed ones stay a day.
 */
export function segmentJobDefaults() {
  return {
    attempts: 3,
    backoff: { type: "exponential" as const, delay: 5_000 },
    removeOnComplete: true,
    removeOnFail: { age: 24 * 3600, count: 5000 },
    stackTraceLimit: 0,
  };
}

export function createSegmentQueue(connection: QueueOptions["connection"], prefix: string): Queue<SegmentJobPayload> {
  return new Queue<SegmentJobPayload>(SEGMENT_QUEUE, { connection, prefix, defaultJobOptions: segmentJobDefaults() });
}

export function createCaptionQueue(connection: QueueOptions["connection"], prefix: string): Queue<CaptionJobPayload> {
  return new Queue<CaptionJobPayload>(CAPTION_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: captionJobDefaults(),
  });
}
