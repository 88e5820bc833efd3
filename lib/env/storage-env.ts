import { z } from "zod";
import { fields } from "./parse-env";

/**
 * Storage settings shared by the app and the worker. `local` (the embedded default) keeps objects
 * under DATA_DIR; `s3` talks to R2 or any S3-compatible server and needs the four R2_* variables.
 */
export const storageEnvShape = {
  STORAGE_DRIVER: z.enum(["local", "s3"]).optional(),
  DATA_DIR: z.string().default(".data"),
  /** HMAC key for the local driver's signed upload/download URLs. */
  STORAGE_SIGNING_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  R2_ENDPOINT: fields.httpUrl.optional(),
  R2_BUCKET_NAME: z.string().min(1).optional(),
  R2_ACCESS_KEY_ID: z.string().min(1).optional(),
  R2_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  R2_REGION: z.string().default("auto"),
  /** Path-style URLs (`endpoint/bucket/key`): R2 accepts both; most self-hosted S3 servers need it. */
  R2_FORCE_PATH_STYLE: fields.bool.default(true),
};

const storageEnvObject = z.object(storageEnvShape);
type StorageEnvInput = z.infer<typeof storageEnvObject>;

export type StorageConfig =
  | { driver: "local"; dataDir: string; signingSecret: string }
  | {
      driver: "s3";
      endpoint: string;
      bucket: string;
      accessKeyId: string;
      secretAccessKey: string;
      region: string;
      forcePathStyle: boolean;
    };

/** Picks the driver (s3 when R2_ENDPOINT is set, unless STORAGE_DRIVER says otherwise) and checks its variables. */
export function refineStorage(env: StorageEnvInput, ctx: z.RefinementCtx): void {
  const driver = env.STORAGE_DRIVER ?? (env.R2_ENDPOINT ? "s3" : "local");
  const required =
    driver === "s3"
      ? (["R2_ENDPOINT", "R2_BUCKET_NAME", "R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"] as const)
      : (["STORAGE_SIGNING_SECRET"] as const);
  for (const key of required) {
    if (!env[key]) {
      ctx.addIssue({ code: "custom", path: [key], message: `is missing (needed by the ${driver} storage driver)` });
    }
  }
}

export function storageConfigFrom(env: StorageEnvInput): StorageConfig {
  const driver = env.STORAGE_DRIVER ?? (env.R2_ENDPOINT ? "s3" : "local");
  if (driver === "local") {
    return { driver, dataDir: env.DATA_DIR, signingSecret: env.STORAGE_SIGNING_SECRET ?? "" };
  }
  return {
    driver,
    endpoint: env.R2_ENDPOINT ?? "",
    bucket: env.R2_BUCKET_NAME ?? "",
    accessKeyId: env.R2_ACCESS_KEY_ID ?? "",
    secretAccessKey: env.R2_SECRET_ACCESS_KEY ?? "",
    region: env.R2_REGION,
    forcePathStyle: env.R2_FORCE_PATH_STYLE,
  };
}
