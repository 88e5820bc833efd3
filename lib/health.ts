import type { Redis } from "ioredis";
import type { PrismaClient } from "./db";
import { whenReady } from "./redis";
import { TIMEOUTS, withTimeout } from "./timeouts";

export interface HealthReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; latencyMs?: number; error?: string }>;
}

async function timed(check: () => Promise<unknown>): Promise<{ ok: boolean; latencyMs?: number; error?: string }> {
  const started = performance.now();
  try {
    await withTimeout(check(), TIMEOUTS.healthCheckMs);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // Only the first line: driver errors can carry connection strings further down.
    return {
      ok: false,
      error: String((error as Error).message ?? error)
        .split("\n")[0]
        ?.replace(/\/\/[^@\s]*@/g, "//"),
    };
  }
}

/** Pings Postgres and Redis in parallel. */
export async function checkHealth(db: PrismaClient, redis: Redis): Promise<HealthReport> {
  const [postgres, redisCheck] = await Promise.all([
    timed(() => db.$queryRaw`SELECT 1`),
    timed(async () => {
      await whenReady(redis, TIMEOUTS.healthCheckMs);
      return redis.ping();
    }),
  ]);
  return { ok: postgres.ok && redisCheck.ok, checks: { postgres, redis: redisCheck } };
}
