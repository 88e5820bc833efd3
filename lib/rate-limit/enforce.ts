import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Caller } from "../api/caller";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import type { PrismaClient } from "../db";
import {
  type KeyLimitOverrides,
  type LimitDefinition,
  type LimitName,
  limitKeyPrefix,
  limitValue,
  RATE_LIMITS,
} from "./rate-limits";

// Applies the table in rate-limits.ts. Counters live in Redis (rate-limiter-flexible); if Redis is away, an
// in-process counter stands in (its `insuranceLimiter`), so a Redis blip neither opens the gates nor fails
// uploads that do not need the queue.

type Subject = { kind: "key"; id: string; overrides: KeyLimitOverrides } | { kind: "ip"; id: string };

/** Whose limits apply: the key's, or the anonymous client IP's; console users are not limited (null). */
function limitSubject(caller: Caller): Subject | null {
  if (caller.kind === "key") return { kind: "key", id: caller.key.id, overrides: caller.key };
  if (caller.kind === "anonymous") return { kind: "ip", id: caller.ipHash };
  return null;
}

type Services = Pick<AppServices, "redis" | "env" | "db">;

const limiters = new Map<string, RateLimiterRedis>();

function counter(redis: Redis, queuePrefix: string, name: LimitName, points: number, insured: boolean) {
  const cacheKey = `${queuePrefix}|${name}|${points}|${insured}`;
  let limiter = limiters.get(cacheKey);
  if (!limiter) {
    const definition: LimitDefinition = RATE_LIMITS[name];
    const duration = definition.windowSec ?? 60;
    limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: limitKeyPrefix(queuePrefix, name),
      points,
      duration,
      // Fail over at once instead of waiting on a reconnecting client.
      rejectIfRedisNotReady: true,
      ...(insured ? { insuranceLimiter: new RateLimiterMemory({ points, duration }) } : {}),
    });
    limiters.set(cacheKey, limiter);
  }
  return limiter;
}

/** `RateLimit-*` headers (IETF draft: limit, remaining, seconds until reset) plus the policy. */
function rateLimitHeaders(limit: number, remaining: number, msBeforeNext: number, windowSec: number) {
  return {
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(Math.max(0, remaining)),
    "RateLimit-Reset": String(Math.max(0, Math.ceil(msBeforeNext / 1000))),
    "RateLimit-Policy": `${limit};w=${windowSec}`,
  };
}

function refusal(name: LimitName, limit: number, retryAfterSec: number, headers: Record<string, string>, why: string) {
  const retry = Math.max(1, Math.ceil(retryAfterSec));
  return new ApiError(
    "RATE_LIMITED",
    `Limit reached: ${limit} ${RATE_LIMITS[name].label}. ${why} Retry in ${retry} s.`,
    { limit: name, allowed: limit, retryAfterSec: retry },
    { ...headers, "Retry-After": String(retry) },
  );
}

/**
 * Counts one upload/process request against the caller's per-minute limit. Returns the RateLimit-* headers
 * for the response; over the limit throws 429 RATE_LIMITED with Retry-After.
 */
export async function consumeRequestLimit(services: Services, caller: Caller): Promise<Record<string, string>> {
  const subject = limitSubject(caller);
  if (!subject) return {};
  const name: LimitName = subject.kind === "key" ? "keyRequests" : "ipRequests";
  const limit = limitValue(name, services.env, subject.kind === "key" ? subject.overrides : undefined);
  if (limit === 0) return {};
  const windowSec = RATE_LIMITS[name].windowSec;
  try {
    const res = await counter(services.redis, services.env.QUEUE_PREFIX, name, limit, true).consume(subject.id);
    return rateLimitHeaders(limit, res.remainingPoints, res.msBeforeNext, windowSec);
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const headers = rateLimitHeaders(limit, 0, error.msBeforeNext, windowSec);
    throw refusal(name, limit, error.msBeforeNext / 1000, headers, "Too many requests.");
  }
}

/** How long a caller at the concurrent-jobs limit is asked to wait: about one short job. */
const CONCURRENT_RETRY_AFTER_SEC = 30;

/**
 * Before a job is created: refuses (429) a caller with too many unfinished jobs, or whose completed media
 * minutes today reach the quota.
 */
export async function checkJobLimits(services: Services, caller: Caller): Promise<void> {
  const subject = limitSubject(caller);
  if (!subject) return;
  const overrides = subject.kind === "key" ? subject.overrides : undefined;

  const concurrent: LimitName = subject.kind === "key" ? "keyConcurrentJobs" : "ipConcurrentJobs";
  const maxJobs = limitValue(concurrent, services.env, overrides);
  if (maxJobs > 0) {
    const unfinished = await countUnfinishedJobs(services.db, subject);
    if (unfinished >= maxJobs) {
      throw refusal(
        concurrent,
        maxJobs,
        CONCURRENT_RETRY_AFTER_SEC,
        { "RateLimit-Limit": String(maxJobs), "RateLimit-Remaining": "0" },
        `${unfinished} of your jobs are still queued or processing; submit again when one finishes.`,
      );
    }
  }

  const quota: LimitName = subject.kind === "key" ? "keyMediaMinutes" : "ipMediaMinutes";
  const minutes = limitValue(quota, services.env, overrides);
  if (minutes > 0) {
    const used = await counter(services.redis, services.env.QUEUE_PREFIX, quota, minutes * 60, true).get(subject.id);
    const usedSec = used?.consumedPoints ?? 0;
    if (usedSec >= minutes * 60) {
      const msBeforeNext = used?.msBeforeNext ?? 0;
      const headers = rateLimitHeaders(minutes, 0, msBeforeNext, RATE_LIMITS[quota].windowSec);
      throw refusal(quota, minutes, msBeforeNext / 1000, headers, `${Math.floor(usedSec / 60)} minutes used.`);
    }
  }
}

function countUnfinishedJobs(db: PrismaClient, subject: Subject): Promise<number> {
  const who = subject.kind === "key" ? { apiKeyId: subject.id } : { submitterIpHash: subject.id };
  return db.job.count({ where: { ...who, status: { in: ["queued", "processing"] } } });
}

/**
 * Counts a completed job's media against its submitter's daily quota (called by the worker). Seconds,
 * rounded up; jobs of console users and jobs without a submitter count nothing.
 */
export async function recordMediaUsage(
  redis: Redis,
  queuePrefix: string,
  job: { apiKeyId: string | null; submitterIpHash: string | null },
  durationSec: number,
): Promise<void> {
  const seconds = Math.ceil(durationSec);
  if (seconds <= 0) return;
  const [name, id]: [LimitName, string | null] = job.apiKeyId
    ? ["keyMediaMinutes", job.apiKeyId]
    : ["ipMediaMinutes", job.submitterIpHash];
  if (!id) return;
  // The points of a recording counter do not matter (penalty never refuses); no insurance: a count that
  // cannot reach Redis should be reported, not kept in this process's memory.
  await counter(redis, queuePrefix, name, 1, false).penalty(id, seconds);
}
