import { UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PrismaClient } from "../lib/db";
import {
  WEBHOOK_ATTEMPTS,
  WEBHOOK_BACKOFF_TYPE,
  WEBHOOK_QUEUE,
  type WebhookJobPayload,
  webhookBackoffMs,
  webhookJobPayload,
} from "../lib/webhooks/contract";
import { deliverWebhook } from "../lib/webhooks/deliver";

/**
 * The webhook deliveries' consumer, inside the worker process: deliveries are small HTTP calls, so they
 * need no process of their own. Concurrency 8: a slow receiver (up to its 15 s timeout) must not hold up
 * the others; lockDuration 60 s > that timeout.
 */
export function startWebhookConsumer(deps: {
  db: PrismaClient;
  connection: Redis;
  prefix: string;
  log: Logger;
  allowPrivate: boolean;
}): Worker<WebhookJobPayload> {
  const worker = new Worker<WebhookJobPayload>(
    WEBHOOK_QUEUE,
    async (job) => {
      const payload = webhookJobPayload.safeParse(job.data);
      if (!payload.success) throw new UnrecoverableError("invalid webhook payload");
      const attempt = job.attemptsMade + 1;
      const outcome = await deliverWebhook(deps.db, payload.data.deliveryId, {
        attempt,
        final: attempt >= (job.opts.attempts ?? WEBHOOK_ATTEMPTS),
        allowPrivate: deps.allowPrivate,
      });
      const log = deps.log.child({ deliveryId: payload.data.deliveryId, attempt });
      if (outcome.kind === "delivered") {
        log.info({ statusCode: outcome.statusCode }, "webhook delivered");
        return;
      }
      log.warn({ reason: outcome.reason, retry: outcome.retry }, "webhook delivery failed");
      throw outcome.retry ? new Error(outcome.reason) : new UnrecoverableError(outcome.reason);
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: 8,
      lockDuration: 60_000,
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) =>
          type === WEBHOOK_BACKOFF_TYPE ? webhookBackoffMs(attemptsMade) : 30_000,
      },
      autorun: false,
    },
  );
  worker.on("error", (error) => deps.log.error({ err: error }, "webhook worker error"));
  return worker;
}
