import type { AppEnv } from "../env/app-env";

// Every limit of the public API in one table: its name (in 429 messages and the `limit` field), what it
// counts, over which window, keyed by what, and where its number comes from (an env default, and for API
// keys an override set in the console). Enforcement: lib/rate-limit/enforce.ts. Signed-in console users
// are not limited: they are staff.
//
// Media minutes are counted when a job completes (the duration is known only after the worker probes the
// file): a job is refused when the day's completed minutes already reach the quota, so the jobs in flight
// at that moment may overshoot it by their own length. Reserving at submit time would need the duration
// before the upload is even read. Failed and canceled jobs cost nothing.

export type LimitSubject = "key" | "ip";

/** An API key's own limits (null = the env default). */
export interface KeyLimitOverrides {
  requestsPerMinute: number | null;
  maxConcurrentJobs: number | null;
  mediaMinutesPerDay: number | null;
}

export interface LimitDefinition {
  /** Words for people: "60 requests per minute per API key". */
  label: string;
  /** `requests`: a Redis window counter; `concurrent`: unfinished jobs counted in Postgres; `quota`: a Redis daily counter fed by the worker. */
  kind: "requests" | "concurrent" | "quota";
  subject: LimitSubject;
  /** Length of the window in seconds (requests, quota). */
  windowSec?: number;
  /** The env variable holding the default (0 = unlimited). */
  env: keyof AppEnv;
  /** The ApiKey column that overrides the default for one key. */
  override?: keyof KeyLimitOverrides;
}

export const RATE_LIMITS = {
  keyRequests: {
    label: "upload and process requests per minute per API key",
    kind: "requests",
    subject: "key",
    windowSec: 60,
    env: "RATE_LIMIT_KEY_REQUESTS_PER_MIN",
    override: "requestsPerMinute",
  },
  ipRequests: {
    label: "upload and process requests per minute per client IP",
    kind: "requests",
    subject: "ip",
    windowSec: 60,
    env: "RATE_LIMIT_IP_REQUESTS_PER_MIN",
  },
  keyConcurrentJobs: {
    label: "unfinished jobs at once per API key",
    kind: "concurrent",
    subject: "key",
    env: "RATE_LIMIT_KEY_CONCURRENT_JOBS",
    override: "maxConcurrentJobs",
  },
  ipConcurrentJobs: {
    label: "unfinished jobs at once per client IP",
    kind: "concurrent",
    subject: "ip",
    env: "RATE_LIMIT_IP_CONCURRENT_JOBS",
  },
  keyMediaMinutes: {
    label: "media minutes per day per API key",
    kind: "quota",
    subject: "key",
    windowSec: 24 * 3600,
    env: "RATE_LIMIT_KEY_MEDIA_MINUTES_PER_DAY",
    override: "mediaMinutesPerDay",
  },
  ipMediaMinutes: {
    label: "media minutes per day per client IP",
    kind: "quota",
    subject: "ip",
    windowSec: 24 * 3600,
    env: "RATE_LIMIT_IP_MEDIA_MINUTES_PER_DAY",
  },
} as const satisfies Record<string, LimitDefinition>;

export type LimitName = keyof typeof RATE_LIMITS;

/** The limit of `name` for one subject: the key's override, else the env default. 0 = unlimited. */
export function limitValue(
  name: LimitName,
  env: Pick<AppEnv, (typeof RATE_LIMITS)[LimitName]["env"]>,
  overrides?: KeyLimitOverrides,
): number {
  const definition: LimitDefinition = RATE_LIMITS[name];
  const own = definition.override && overrides ? overrides[definition.override] : null;
  return own ?? (env[definition.env as keyof typeof env] as number);
}

/** The Redis key prefix of a counted limit (shared by the app, which checks, and the worker, which counts). */
export function limitKeyPrefix(queuePrefix: string, name: LimitName): string {
  return `${queuePrefix}:rate-limit:${name}`;
}
