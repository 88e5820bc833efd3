import { availableParallelism } from "node:os";
import { describe, expect, test } from "vitest";
import { EnvError } from "./parse-env";
import { workerEnv } from "./worker-env";

// The worker's environment: what ops sees when a variable is missing or wrong, and the defaults it gets.

const base = {
  DATABASE_URL: "postgresql://captioner:db-pass-9f2c@127.0.0.1:5432/captioner",
  REDIS_URL: "redis://127.0.0.1:6379",
  STORAGE_SIGNING_SECRET: "local-signing-secret-5d1e",
};

function envError(source: Record<string, string | undefined>): EnvError {
  try {
    workerEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error("expected workerEnv to throw an EnvError");
}

describe("workerEnv: invalid environments", () => {
  // [case, overrides of the base env, what the message must say, a secret the message must not contain]
  const cases: [string, Record<string, string | undefined>, string[], string?][] = [
    ["DATABASE_URL unset", { DATABASE_URL: undefined }, ["DATABASE_URL is missing"]],
    [
      "REDIS_URL not redis",
      { REDIS_URL: "tcp://:redis-pass-8e0f@cache:6379" },
      ["REDIS_URL must be a redis:// or rediss:// URL"],
      "redis-pass-8e0f",
    ],
    [
      "STORAGE_DRIVER=s3 with only an endpoint",
      { STORAGE_DRIVER: "s3", R2_ENDPOINT: "http://127.0.0.1:9000" },
      [
        "R2_BUCKET_NAME is missing (needed by the s3 storage driver)",
        "R2_ACCESS_KEY_ID is missing (needed by the s3 storage driver)",
        "R2_SECRET_ACCESS_KEY is missing (needed by the s3 storage driver)",
      ],
    ],
    [
      "WORKER_CONCURRENCY not numeric",
      { WORKER_CONCURRENCY: "many" },
      ["WORKER_CONCURRENCY: must be a positive whole number"],
    ],
    ["WORKER_CONCURRENCY zero", { WORKER_CONCURRENCY: "0" }, ["WORKER_CONCURRENCY: must be a positive whole number"]],
    [
      "WORKER_CONCURRENCY fractional",
      { WORKER_CONCURRENCY: "2.5" },
      ["WORKER_CONCURRENCY: must be a positive whole number"],
    ],
    ["TRANSCRIBER=openai without a key", { TRANSCRIBER: "openai" }, ["OPENAI_API_KEY is missing (TRANSCRIBER=openai)"]],
    ["TRANSCRIBER unknown", { TRANSCRIBER: "vosk" }, ["TRANSCRIBER:", "whisper", "pocketsphinx"]],
    ["WHISPER_THREADS zero", { WHISPER_THREADS: "0" }, ["WHISPER_THREADS: must be a positive whole number"]],
    ["ASR_PARALLELISM zero", { ASR_PARALLELISM: "0" }, ["ASR_PARALLELISM: must be a whole number from 1 to 1024"]],
    [
      "ASR_PARALLELISM not numeric",
      { ASR_PARALLELISM: "all" },
      ["ASR_PARALLELISM: must be a whole number from 1 to 1024"],
    ],
    [
      "OPENAI_BASE_URL not a URL",
      { OPENAI_API_KEY: "sk-test-key-0a1b", OPENAI_BASE_URL: "whisper.local:8080" },
      ["OPENAI_BASE_URL: must be an http(s) URL"],
      "sk-test-key-0a1b",
    ],
    ["FFMPEG_PRESET unknown", { FFMPEG_PRESET: "turbo" }, ["FFMPEG_PRESET:", "veryfast"]],
    ["FFMPEG_CRF out of range", { FFMPEG_CRF: "60" }, ["FFMPEG_CRF: must be a whole number from 0 to 51"]],
    ["FFMPEG_CRF not numeric", { FFMPEG_CRF: "high" }, ["FFMPEG_CRF: must be a whole number from 0 to 51"]],
    [
      "WORKER_HEALTH_PORT out of range",
      { WORKER_HEALTH_PORT: "70000" },
      ["WORKER_HEALTH_PORT: must be a whole number from 0 to 65535"],
    ],
    [
      "WORKER_HEALTH_HOST not an address",
      { WORKER_HEALTH_HOST: "0.0.0.0:9464" },
      ["WORKER_HEALTH_HOST must be an IP address or a host name"],
    ],
    ["MAX_DURATION_SEC negative", { MAX_DURATION_SEC: "-60" }, ["MAX_DURATION_SEC: must be a positive whole number"]],
    [
      "RETENTION_DAYS_INPUT negative",
      { RETENTION_DAYS_INPUT: "-1" },
      ["RETENTION_DAYS_INPUT: must be a whole number from 0 to 36500"],
    ],
    [
      "RETENTION_DAYS_OUTPUT fractional",
      { RETENTION_DAYS_OUTPUT: "1.5" },
      ["RETENTION_DAYS_OUTPUT: must be a whole number from 0 to 36500"],
    ],
    [
      "RETENTION_DAYS_INPUT longer than the outputs'",
      { RETENTION_DAYS_INPUT: "40", RETENTION_DAYS_OUTPUT: "30" },
      ["RETENTION_DAYS_INPUT (40) is longer than RETENTION_DAYS_OUTPUT (30)", "set it to 30 or less"],
    ],
    [
      "RETENTION_SWEEP_EVERY_MIN not numeric",
      { RETENTION_SWEEP_EVERY_MIN: "hourly" },
      ["RETENTION_SWEEP_EVERY_MIN: must be a whole number from 0 to 10080"],
    ],
  ];

  test.each(cases)("%s", (_name, overrides, expected, secret) => {
    const error = envError({ ...base, ...overrides });
    expect(error.processName).toBe("worker");
    expect(error.message).toMatch(/^Invalid environment for the worker: /);
    expect(error.message).not.toContain("\n");
    for (const part of expected) expect(error.message).toContain(part);
    if (secret) expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain("db-pass-9f2c");
    expect(error.message).not.toContain("local-signing-secret-5d1e");
  });
});

test("a field error does not hide the cross-field rules: every problem is reported at once", () => {
  const error = envError({ REDIS_URL: base.REDIS_URL, WORKER_CONCURRENCY: "x", TRANSCRIBER: "openai" });
  expect(error.problems).toEqual([
    "DATABASE_URL is missing",
    "WORKER_CONCURRENCY: must be a positive whole number",
    "STORAGE_SIGNING_SECRET is missing (needed by the local storage driver)",
    "OPENAI_API_KEY is missing (TRANSCRIBER=openai)",
  ]);
});

describe("workerEnv: defaults", () => {
  test("a minimal environment gets the documented defaults", () => {
    expect(workerEnv(base)).toMatchObject({
      WORKER_CONCURRENCY: 4,
      TRANSCRIBER: "auto",
      OPENAI_MODEL: "whisper-1",
      OPENAI_MAX_UPLOAD_BYTES: 24 * 1024 * 1024,
      MAX_DURATION_SEC: 4 * 3600,
      FFMPEG_PRESET: "veryfast",
      FFMPEG_CRF: 23,
      WORKER_SHUTDOWN_TIMEOUT_MS: 120_000,
      WORKER_HEALTH_PORT: 9464,
      WORKER_HEALTH_HOST: "127.0.0.1",
      QUEUE_PREFIX: "captioner",
      RETENTION_DAYS_INPUT: 7,
      RETENTION_DAYS_OUTPUT: 30,
      RETENTION_SWEEP_EVERY_MIN: 60,
      storage: { driver: "local", dataDir: ".data" },
    });
  });

  test("an empty WORKER_CONCURRENCY falls back to 4; a set one is read as a number", () => {
    expect(workerEnv({ ...base, WORKER_CONCURRENCY: "" }).WORKER_CONCURRENCY).toBe(4);
    expect(workerEnv({ ...base, WORKER_CONCURRENCY: "2" }).WORKER_CONCURRENCY).toBe(2);
  });

  test("ASR_PARALLELISM defaults to this machine's cores; a set one is read as a number", () => {
    expect(workerEnv(base).ASR_PARALLELISM).toBe(availableParallelism());
    expect(workerEnv({ ...base, ASR_PARALLELISM: "3" }).ASR_PARALLELISM).toBe(3);
  });

  test("TRANSCRIBER=openai with a key, and a health port of 0 (disabled), are accepted", () => {
    expect(
      workerEnv({ ...base, TRANSCRIBER: "openai", OPENAI_API_KEY: "sk-x", WORKER_HEALTH_PORT: "0" }),
    ).toMatchObject({ TRANSCRIBER: "openai", WORKER_HEALTH_PORT: 0 });
  });

  test("RETENTION_DAYS_* of 0 keep files forever; any input retention fits outputs kept forever", () => {
    expect(workerEnv({ ...base, RETENTION_DAYS_INPUT: "0", RETENTION_DAYS_OUTPUT: "0" })).toMatchObject({
      RETENTION_DAYS_INPUT: 0,
      RETENTION_DAYS_OUTPUT: 0,
    });
    expect(workerEnv({ ...base, RETENTION_DAYS_INPUT: "400", RETENTION_DAYS_OUTPUT: "0" })).toMatchObject({
      RETENTION_DAYS_INPUT: 400,
    });
  });

  test("the NEXTAUTH_SECRET production rule is the app's, not the worker's", () => {
    expect(workerEnv({ ...base, NODE_ENV: "production" }).NODE_ENV).toBe("production");
  });
});
