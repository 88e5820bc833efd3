import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { normalizeEmail } from "./users";

// Sign-in limits, counted in Redis (shared by every app instance) with rate-limiter-flexible.
// An attempt counts against its account and its client address *before* the password is checked, so a
// burst of parallel guesses cannot slip past the limit while the first ones are still being hashed;
// a successful sign-in gives the points back. Unknown emails count like real ones: the limit says
// nothing about which accounts exist.

/** Per account (email): 10 failed sign-ins within 15 minutes, then 15 minutes of refusals. */
export const ACCOUNT_LIMIT = { points: 10, windowSec: 15 * 60, coolDownSec: 15 * 60 } as const;
/**
 * Per client address: 30 failed sign-ins within 15 minutes across all accounts (password spraying, or one
 * client keeping the hashing threads busy), then 15 minutes of refusals. Attempts in flight count too.
 */
export const CLIENT_LIMIT = { points: 30, windowSec: 15 * 60, coolDownSec: 15 * 60 } as const;

/** The sign-in is refused until the cool-down ends, whatever the password. */
export class SignInThrottled extends Error {
  constructor(readonly retryAfterSec: number) {
    super(`too many failed sign-ins; retry in ${retryAfterSec} s`);
    this.name = "SignInThrottled";
  }
}

export interface SignInThrottle {
  /** Counts an attempt; throws SignInThrottled when the account or the client address is cooling down. */
  begin(email: string, clientAddress: string): Promise<void>;
  /** The password was right: the account's count starts over and the client's attempt is given back. */
  succeeded(email: string, clientAddress: string): Promise<void>;
  /** Lifts the account's cool-down and forgets its failures (an admin's unlock). */
  unlock(email: string): Promise<void>;
  /** Seconds until the account may sign in again; 0 when it is not cooling down. */
  lockedForSec(email: string): Promise<number>;
}

/** The throttle over `redis`, its keys under `<prefix>:sign-in:` (prefix: QUEUE_PREFIX, per deployment). */
export function signInThrottle(redis: Redis, prefix: string): SignInThrottle {
  const limiter = (name: string, limit: { points: number; windowSec: number; coolDownSec: number }) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:sign-in:${name}`,
      points: limit.points,
      duration: limit.windowSec,
      blockDuration: limit.coolDownSec,
      // Fail closed: without Redis nobody signs in (the caller reports "unavailable"), no unthrottled guessing.
      rejectIfRedisNotReady: true,
    });
  const accounts = limiter("account", ACCOUNT_LIMIT);
  const clients = limiter("client", CLIENT_LIMIT);
  const accountKey = (email: string) => normalizeEmail(email);

  return {
    async begin(email, clientAddress) {
      // The client first: a blocked address must not use up the accounts it guesses at. An attempt the
      // account's cool-down refuses checks no password, so the client gets its point back.
      await consume(clients, clientAddress);
      try {
        await consume(accounts, accountKey(email));
      } catch (error) {
        await clients.reward(clientAddress, 1);
        throw error;
      }
    },
    async succeeded(email, clientAddress) {
      await Promise.all([accounts.delete(accountKey(email)), clients.reward(clientAddress, 1)]);
    },
    async unlock(email) {
      await accounts.delete(accountKey(email));
    },
    async lockedForSec(email) {
      const state = await accounts.get(accountKey(email));
      return state && state.consumedPoints > ACCOUNT_LIMIT.points ? Math.ceil(state.msBeforeNext / 1000) : 0;
    },
  };
}

async function consume(limiter: RateLimiterRedis, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (error) {
    // rate-limiter-flexible rejects with its result object when the limit is reached, with an Error otherwise.
    if (error instanceof RateLimiterRes) throw new SignInThrottled(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    throw error;
  }
}
