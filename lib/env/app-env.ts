import { z } from "zod";
import { TRANSCRIBER_CHOICES } from "../asr/capabilities";
import { commonEnvShape } from "./common-env";
import { alwaysCheck, fields, parseEnv } from "./parse-env";
import { refineStorage, type StorageConfig, storageConfigFrom, storageEnvShape } from "./storage-env";

const GiB = 1024 ** 3;

export const appEnvSchema = z
  .object({
    ...commonEnvShape,
    ...storageEnvShape,
    /** Public base URL of the app (used in links the local storage driver hands out). Default: the request's Host. */
    APP_URL: fields.httpUrl.optional(),
    /**
     * A reverse proxy in front of the app sets X-Forwarded-Host/-Proto/-For; without it those headers are
     * ignored (the client IP is then the socket's address: lib/api/client-ip.ts).
     */
    TRUST_PROXY: fields.bool.default(false),
    MAX_UPLOAD_BYTES: fields.positiveInt.default(2 * GiB),
    UPLOAD_URL_TTL_SEC: fields.positiveInt.default(3600),
    DOWNLOAD_URL_TTL_SEC: fields.positiveInt.default(3600),
    NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    NEXTAUTH_URL: fields.httpUrl.optional(),
    /**
     * The workers' recogniser, so the app offers and accepts only languages it can do (lib/asr/capabilities).
     * Must match the workers' TRANSCRIBER/OPENAI_MODEL. The app holds no API key, so `auto` means pocketsphinx here.
     */
    TRANSCRIBER: z.enum(TRANSCRIBER_CHOICES).default("auto"),
    OPENAI_MODEL: z.string().min(1).default("whisper-1"),
    /** The workers' local Whisper model; only its file name is read (ggml-base.en.bin: English only). */
    WHISPER_MODEL_PATH: z.string().min(1).optional(),
    /** Where the Bull Board server listens; /admin/queues is proxied there. */
    DASHBOARD_URL: fields.httpUrl.default("http://127.0.0.1:3001"),
    /**
     * Who may submit videos: `open` anyone (anonymous callers under per-IP limits), `key` an API key or a
     * signed-in console user, `off` nobody (the API refuses uploads and processing).
     */
    PUBLIC_SUBMISSIONS: z.enum(["open", "key", "off"]).default("open"),
    /** true lets webhooks target private and loopback addresses (tests, all-private deployments). */
    WEBHOOK_ALLOW_PRIVATE: fields.bool.default(false),
    // Defaults of the limits in lib/rate-limit/rate-limits.ts (0 = no limit). An API key's own limits, set in
    // the console, win over the *_KEY_* defaults.
    RATE_LIMIT_KEY_REQUESTS_PER_MIN: fields.intBetween(0, 1_000_000).default(60),
    RATE_LIMIT_IP_REQUESTS_PER_MIN: fields.intBetween(0, 1_000_000).default(20),
    RATE_LIMIT_KEY_CONCURRENT_JOBS: fields.intBetween(0, 1_000_000).default(10),
    RATE_LIMIT_IP_CONCURRENT_JOBS: fields.intBetween(0, 1_000_000).default(3),
    RATE_LIMIT_KEY_MEDIA_MINUTES_PER_DAY: fields.intBetween(0, 10_000_000).default(1440),
    RATE_LIMIT_IP_MEDIA_MINUTES_PER_DAY: fields.intBetween(0, 10_000_000).default(120),
  })
  .superRefine(
    (env, ctx) => {
      refineStorage(env, ctx);
      if (env.NODE_ENV === "production" && !env.NEXTAUTH_SECRET) {
        ctx.addIssue({ code: "custom", path: ["NEXTAUTH_SECRET"], message: "is missing (required in production)" });
      }
    },
    { when: alwaysCheck },
  );

export type AppEnv = z.infer<typeof appEnvSchema> & { storage: StorageConfig };

let cached: AppEnv | undefined;

/** The app's validated environment, parsed once (throws EnvError naming the bad variable). */
export function appEnv(source: Record<string, string | undefined> = process.env): AppEnv {
  if (source !== process.env) return withStorage(parseEnv("app", appEnvSchema, source));
  cached ??= withStorage(parseEnv("app", appEnvSchema, source));
  return cached;
}

function withStorage(env: z.infer<typeof appEnvSchema>): AppEnv {
  return { ...env, storage: storageConfigFrom(env) };
}
