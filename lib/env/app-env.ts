import { z } from "zod";
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
    /** A reverse proxy in front of the app sets X-Forwarded-Host/-Proto; without it those headers are ignored. */
    TRUST_PROXY: fields.bool.default(false),
    MAX_UPLOAD_BYTES: fields.positiveInt.default(2 * GiB),
    UPLOAD_URL_TTL_SEC: fields.positiveInt.default(3600),
    DOWNLOAD_URL_TTL_SEC: fields.positiveInt.default(3600),
    NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    NEXTAUTH_URL: fields.httpUrl.optional(),
    /** Where the Bull Board server listens; /admin/queues is proxied there. */
    DASHBOARD_URL: fields.httpUrl.default("http://127.0.0.1:3001"),
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
