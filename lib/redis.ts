import { Redis, type RedisOptions } from "ioredis";

/**
 * Connection for producers and request handlers: fail fast when Redis is down (no offline queue, one
 * retry per command) so an HTTP request answers 503 instead of hanging.
 */
export function createProducerConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: false,
  } satisfies RedisOptions);
}

/**
 * Connection for BullMQ workers: BullMQ requires maxRetriesPerRequest null on blocking connections and
 * should reconnect forever (a worker outlives Redis restarts).
 */
export function createWorkerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}

/**
 * Resolves once the connection is ready, or rejects after `timeoutMs`. Producers run without an offline
 * queue, so a command sent while (re)connecting fails at once; waiting briefly for `ready` keeps the
 * first request after a start (or a Redis restart) from failing needlessly.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(new Error(`Redis not ready within ${timeoutMs} ms (${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}
