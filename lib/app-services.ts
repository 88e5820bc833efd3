import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { db, type PrismaClient } from "./db";
import { type AppEnv, appEnv } from "./env/app-env";
import { type CaptionJobPayload, createCaptionQueue } from "./job-contract";
import { createMaintenanceQueue } from "./jobs/retention";
import { logger } from "./logger";
import { createProducerConnection } from "./redis";
import { createStorage, type Storage } from "./storage";
import { createWebhookQueue, type WebhookJobPayload } from "./webhooks/contract";

/** What the app's request handlers need, created once per process on first use. */
export interface AppServices {
  env: AppEnv;
  db: PrismaClient;
  storage: Storage;
  redis: Redis;
  queue: Queue<CaptionJobPayload>;
  /** Webhook deliveries: the console announces cancels and replays deliveries through it. */
  webhookQueue: Queue<WebhookJobPayload>;
  /** The workers' maintenance queue: its retention schedule says when jobs' files will be deleted. */
  maintenanceQueue: Queue;
}

const holder = globalThis as unknown as { captionerAppServices?: AppServices };

export function appServices(): AppServices {
  if (!holder.captionerAppServices) {
    const env = appEnv();
    const redis = createProducerConnection(env.REDIS_URL);
    // An unreachable Redis is reported per request (503 + /api/health); log it once per outage, not per retry.
    let reported = false;
    const onError = (error: Error) => {
      if (!reported) logger.warn({ err: error.message }, "Redis unavailable");
      reported = true;
    };
    redis.on("error", onError);
    redis.on("ready", () => {
      reported = false;
    });
    const queue = createCaptionQueue(redis, env.QUEUE_PREFIX);
    queue.on("error", onError);
    const webhookQueue = createWebhookQueue(redis, env.QUEUE_PREFIX);
    webhookQueue.on("error", onError);
    const maintenanceQueue = createMaintenanceQueue(redis, env.QUEUE_PREFIX);
    maintenanceQueue.on("error", onError);
    holder.captionerAppServices = {
      env,
      db: db(),
      storage: createStorage(env.storage),
      redis,
      queue,
      webhookQueue,
      maintenanceQueue,
    };
  }
  return holder.captionerAppServices;
}
