import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { PrismaClient } from "../db";
import type { RetentionPolicy } from "../jobs/retention";
import { publicJobFields } from "../video/job-status";
import { enqueueDelivery, type WebhookEvent, type WebhookJobPayload } from "./contract";

// Turns a job's final status into webhook deliveries for the endpoints of the API key that submitted it.
// Called right after the one write that made the status final (worker: completed/failed/canceled; console:
// canceled; retention sweep and admin purge: expired), so each final status is announced once.

const EVENT_OF_STATUS: Record<string, WebhookEvent> = {
  completed: "job.completed",
  failed: "job.failed",
  canceled: "job.canceled",
  expired: "job.expired",
};

export function newDeliveryId(): string {
  return `msg_${randomBytes(16).toString("base64url")}`;
}

/**
 * Records one delivery per subscribed endpoint (Postgres: the delivery log), then enqueues them. Never
 * throws: the job's status is already written; a delivery that could not be enqueued stays `pending` in the
 * console, where it can be replayed.
 */
export async function emitJobEvent(
  deps: {
    db: PrismaClient;
    webhookQueue: Queue<WebhookJobPayload>;
    log: Pick<Logger, "warn">;
    /** The retention policy in force, for the job's deadlines (null: unknown, the deadlines are null). */
    retention?: RetentionPolicy | null;
  },
  jobId: string,
  /** job.progress: the job's current stage, sent only while it is still processing. Default: its final status. */
  event?: "job.progress",
): Promise<number> {
  try {
    const job = await deps.db.job.findUnique({ where: { id: jobId } });
    const type = event === "job.progress" ? job?.status === "processing" && event : job && EVENT_OF_STATUS[job.status];
    if (!job?.apiKeyId || !type) return 0;
    const endpoints = await deps.db.webhookEndpoint.findMany({
      where: { apiKeyId: job.apiKeyId, disabledAt: null, events: { has: type } },
    });
    const timestamp = new Date().toISOString();
    const deliveries = endpoints.map((endpoint) => ({
      id: newDeliveryId(),
      endpointId: endpoint.id,
      eventType: type,
      jobId,
      // Standard Webhooks' recommended envelope: type, timestamp, data.
      body: JSON.stringify({
        type,
        timestamp,
        data: { jobId, job: { ...publicJobFields(job, deps.retention ?? null), statusUrl: `/api/video/job/${jobId}` } },
      }),
    }));
    if (deliveries.length === 0) return 0;
    await deps.db.webhookDelivery.createMany({ data: deliveries });
    for (const delivery of deliveries) await enqueueDelivery(deps.webhookQueue, delivery.id);
    return deliveries.length;
  } catch (error) {
    deps.log.warn({ jobId, err: (error as Error).message }, "webhook event not (fully) enqueued");
    return 0;
  }
}
