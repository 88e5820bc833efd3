import { z } from "zod";
import { fields } from "./parse-env";

/** Variables every process reads. */
export const commonEnvShape = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: fields.postgresUrl,
  REDIS_URL: fields.redisUrl,
  /** BullMQ key prefix: lets several installations (or test runs) share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/, "letters, digits, _ and - only")
    .default("captioner"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};
