import { Queue, type QueueOptions } from "bullmq";
import { z } from "zod";

// The webhook queue's contract, shared by the app (replays), the worker (events, deliveries) and the docs.

export const WEBHOOK_QUEUE = "webhooks";
export const WEBHOOK_JOB_NAME = "deliver";
export const WEBHOOK_EVENTS = ["job.completed", "job.failed", "job.canceled", "job.expired", "job.progress"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/**
 * What an endpoint registered without `events` gets: the final statuses. `job.expired` (files deleted by
 * retention or an admin's purge) and `job.progress` (a running job entered a new stage: at most one per stage,
 * ~7 per attempt) are opt-in, like Stripe's events: a consumer asks for what it handles.
 */
export const DEFAULT_WEBHOOK_EVENTS = ["job.completed", "job.failed", "job.canceled"] as const satisfies WebhookEvent[];

export const webhookJobPayload = z.object({ deliveryId: z.string().regex(/^msg_[A-Za-z0-9_-]{16,40}$/) }).strict();
export type WebhookJobPayload = z.infer<typeof webhookJobPayload>;

/**
 * Waits before each retry: the first within a minute (a receiver restarting), then growing to hours, ~24 h
 * in all (30 s + 2 + 10 + 30 min + 1 + 2 + 4 + 8 + 8 h ≈ 23.7 h) — the Standard Webhooks / Svix shape.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  3_600_000,
  2 * 3_600_000,
  4 * 3_600_000,
  8 * 3_600_000,
  8 * 3_600_000,
] as const;
export const WEBHOOK_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;
export const WEBHOOK_BACKOFF_TYPE = "webhook-schedule";

/** BullMQ's custom backoff: the delay before retry number `attemptsMade` (1-based). */
export function webhookBackoffMs(attemptsMade: number): number {
  return WEBHOOK_RETRY_DELAYS_MS[Math.min(attemptsMade, WEBHOOK_RETRY_DELAYS_MS.length) - 1] ?? 30_000;
}

/**
 * An endpoint whose deliveries have all failed for this long is disabled when another delivery gives up:
 * a receiver gone for good stops costing work, and the console says why.
 */
export const WEBHOOK_DISABLE_AFTER_MS = 3 * 24 * 3_600_000;

/**
 * - attempts/backoff: the schedule above.
 * - removeOnComplete/Fail: the delivery log lives in Postgres (WebhookAttempt); Redis keeps a day / a week.
 */
export function createWebhookQueue(connection: QueueOptions["connection"], prefix: string): Queue<WebhookJobPayload> {
  return new Queue<WebhookJobPayload>(WEBHOOK_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: WEBHOOK_ATTEMPTS,
      backoff: { type: WEBHOOK_BACKOFF_TYPE },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    },
  });
}

/** Enqueues one delivery; `run` > 0 for console replays (BullMQ ignores a re-add of a kept job id). */
export async function enqueueDelivery(queue: Queue<WebhookJobPayload>, deliveryId: string, run = 0): Promise<void> {
  await queue.add(WEBHOOK_JOB_NAME, { deliveryId }, { jobId: run > 0 ? `${deliveryId}.replay${run}` : deliveryId });
}
