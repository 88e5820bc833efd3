import { describe, expect, test } from "vitest";
import { appEnv } from "./app-env";
import { EnvError } from "./parse-env";

// The app's environment: what ops sees when a variable is missing or wrong, and the defaults it gets.

const base = {
  DATABASE_URL: "postgresql://captioner:db-pass-9f2c@127.0.0.1:5432/captioner",
  REDIS_URL: "redis://127.0.0.1:6379",
  STORAGE_SIGNING_SECRET: "local-signing-secret-5d1e",
};

const r2 = {
  R2_ENDPOINT: "https://account.r2.cloudflarestorage.com",
  R2_BUCKET_NAME: "captioner",
  R2_ACCESS_KEY_ID: "access-key-id-77aa",
  R2_SECRET_ACCESS_KEY: "r2-secret-access-key-3b9d",
};

function envError(source: Record<string, string | undefined>): EnvError {
  try {
    appEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error("expected appEnv to throw an EnvError");
}

describe("appEnv: invalid environments", () => {
  // [case, overrides of the base env, what the message must say, a secret the message must not contain]
  const cases: [string, Record<string, string | undefined>, string[], string?][] = [
    ["DATABASE_URL unset", { DATABASE_URL: undefined }, ["DATABASE_URL is missing"]],
    ["DATABASE_URL empty (counts as unset)", { DATABASE_URL: "" }, ["DATABASE_URL is missing"]],
    [
      "DATABASE_URL not postgres",
      { DATABASE_URL: "mysql://root:mysql-pass-1c4a@db/captioner" },
      ["DATABASE_URL must be a postgresql:// URL"],
      "mysql-pass-1c4a",
    ],
    ["REDIS_URL unset", { REDIS_URL: undefined }, ["REDIS_URL is missing"]],
    [
      "REDIS_URL not redis",
      { REDIS_URL: "http://:redis-pass-8e0f@cache:6379" },
      ["REDIS_URL must be a redis:// or rediss:// URL"],
      "redis-pass-8e0f",
    ],
    [
      "STORAGE_DRIVER=s3 without R2_*",
      { STORAGE_DRIVER: "s3" },
      [
        "R2_ENDPOINT is missing (needed by the s3 storage driver)",
        "R2_BUCKET_NAME is missing (needed by the s3 storage driver)",
        "R2_ACCESS_KEY_ID is missing (needed by the s3 storage driver)",
        "R2_SECRET_ACCESS_KEY is missing (needed by the s3 storage driver)",
      ],
    ],
    [
      "R2_ENDPOINT set (implies s3) without the secret key",
      { ...r2, R2_SECRET_ACCESS_KEY: undefined },
      ["R2_SECRET_ACCESS_KEY is missing (needed by the s3 storage driver)"],
      "access-key-id-77aa",
    ],
    [
      "R2_ENDPOINT not http(s)",
      { ...r2, R2_ENDPOINT: "ftp://user:endpoint-pass-41d0@r2.example" },
      ["R2_ENDPOINT: must be an http(s) URL"],
      "endpoint-pass-41d0",
    ],
    [
      "local driver without STORAGE_SIGNING_SECRET",
      { STORAGE_SIGNING_SECRET: undefined },
      ["STORAGE_SIGNING_SECRET is missing (needed by the local storage driver)"],
    ],
    [
      "STORAGE_SIGNING_SECRET too short",
      { STORAGE_SIGNING_SECRET: "short-7c1" },
      ["STORAGE_SIGNING_SECRET: must be at least 16 characters"],
      "short-7c1",
    ],
    [
      "NEXTAUTH_SECRET missing in production",
      { NODE_ENV: "production" },
      ["NEXTAUTH_SECRET is missing (required in production)"],
    ],
    [
      "NEXTAUTH_SECRET too short",
      { NEXTAUTH_SECRET: "tiny-2b8d" },
      ["NEXTAUTH_SECRET: must be at least 16 characters"],
      "tiny-2b8d",
    ],
    [
      "MAX_UPLOAD_BYTES not a number",
      { MAX_UPLOAD_BYTES: "2GB" },
      ["MAX_UPLOAD_BYTES: must be a positive whole number"],
    ],
    ["MAX_UPLOAD_BYTES zero", { MAX_UPLOAD_BYTES: "0" }, ["MAX_UPLOAD_BYTES: must be a positive whole number"]],
    [
      "UPLOAD_URL_TTL_SEC fractional",
      { UPLOAD_URL_TTL_SEC: "1.5" },
      ["UPLOAD_URL_TTL_SEC: must be a positive whole number"],
    ],
    [
      "MULTIPART_PART_SIZE under S3's 5 MiB minimum with the s3 driver",
      { ...r2, MULTIPART_PART_SIZE: String(1024 * 1024) },
      ["MULTIPART_PART_SIZE must be at least 5242880 (5 MiB) with the s3 storage driver"],
    ],
    ["APP_URL not a URL", { APP_URL: "captioner.example" }, ["APP_URL: must be an http(s) URL"]],
    ["QUEUE_PREFIX with a colon", { QUEUE_PREFIX: "a:b" }, ["QUEUE_PREFIX: letters, digits, _ and - only"]],
    ["NODE_ENV unknown", { NODE_ENV: "prod" }, ["NODE_ENV:"]],
  ];

  test.each(cases)("%s", (_name, overrides, expected, secret) => {
    const error = envError({ ...base, ...overrides });
    expect(error.processName).toBe("app");
    expect(error.message).toMatch(/^Invalid environment for the app: /);
    expect(error.message).not.toContain("\n");
    for (const part of expected) expect(error.message).toContain(part);
    expect(error.problems).toHaveLength(expected.length);
    if (secret) expect(error.message).not.toContain(secret);
    // The valid secrets of the base env never appear either.
    expect(error.message).not.toContain("db-pass-9f2c");
    expect(error.message).not.toContain("local-signing-secret-5d1e");
  });

  test("several problems are reported together, one per variable", () => {
    const error = envError({ REDIS_URL: "localhost:6379", NODE_ENV: "production" });
    expect(error.problems).toEqual([
      "DATABASE_URL is missing",
      "REDIS_URL must be a redis:// or rediss:// URL",
      "STORAGE_SIGNING_SECRET is missing (needed by the local storage driver)",
      "NEXTAUTH_SECRET is missing (required in production)",
    ]);
  });
});

describe("appEnv: defaults and derived settings", () => {
  test("a minimal environment gets the documented defaults and the local driver", () => {
    const env = appEnv(base);
    expect(env).toMatchObject({
      NODE_ENV: "development",
      QUEUE_PREFIX: "captioner",
      LOG_LEVEL: "info",
      MAX_UPLOAD_BYTES: 2 * 1024 ** 3,
      UPLOAD_URL_TTL_SEC: 3600,
      DOWNLOAD_URL_TTL_SEC: 3600,
      MULTIPART_THRESHOLD: 64 * 1024 ** 2,
      MULTIPART_PART_SIZE: 8 * 1024 ** 2,
      MULTIPART_PLAN_TTL_SEC: 86_400,
      DASHBOARD_URL: "http://127.0.0.1:3001",
    });
    expect(env.storage).toEqual({ driver: "local", dataDir: ".data", signingSecret: base.STORAGE_SIGNING_SECRET });
  });

  test("empty variables fall back to their defaults", () => {
    expect(appEnv({ ...base, MAX_UPLOAD_BYTES: "", QUEUE_PREFIX: "" })).toMatchObject({
      MAX_UPLOAD_BYTES: 2 * 1024 ** 3,
      QUEUE_PREFIX: "captioner",
    });
  });

  test("numbers are read from strings", () => {
    expect(appEnv({ ...base, MAX_UPLOAD_BYTES: "1048576", UPLOAD_URL_TTL_SEC: "60" })).toMatchObject({
      MAX_UPLOAD_BYTES: 1048576,
      UPLOAD_URL_TTL_SEC: 60,
    });
  });

  test("R2_ENDPOINT selects the s3 driver, path-style and region auto by default", () => {
    const env = appEnv({ ...base, STORAGE_SIGNING_SECRET: undefined, ...r2 });
    expect(env.storage).toEqual({
      driver: "s3",
      endpoint: r2.R2_ENDPOINT,
      bucket: r2.R2_BUCKET_NAME,
      accessKeyId: r2.R2_ACCESS_KEY_ID,
      secretAccessKey: r2.R2_SECRET_ACCESS_KEY,
      region: "auto",
      forcePathStyle: true,
    });
  });

  test("STORAGE_DRIVER=local wins over R2_ENDPOINT, and R2_FORCE_PATH_STYLE=false is honoured for s3", () => {
    expect(appEnv({ ...base, ...r2, STORAGE_DRIVER: "local" }).storage.driver).toBe("local");
    const s3 = appEnv({ ...base, ...r2, R2_FORCE_PATH_STYLE: "false" }).storage;
    expect(s3).toMatchObject({ driver: "s3", forcePathStyle: false });
  });

  test("production with a NEXTAUTH_SECRET is accepted", () => {
    expect(appEnv({ ...base, NODE_ENV: "production", NEXTAUTH_SECRET: "a-long-enough-nextauth-secret" }).NODE_ENV).toBe(
      "production",
    );
  });
});
