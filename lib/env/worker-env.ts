import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { z } from "zod";
import { TRANSCRIBER_CHOICES } from "../asr/capabilities";
import { commonEnvShape } from "./common-env";
import { alwaysCheck, fields, parseEnv } from "./parse-env";
import { refineStorage, type StorageConfig, storageConfigFrom, storageEnvShape } from "./storage-env";

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

// Every key here is listed in env.worker.example (a test keeps them in step).
export const workerEnvSchema = z
  .object({
    ...commonEnvShape,
    ...storageEnvShape,
    /** Jobs this process runs at once. Each burn-in render uses ~1–2 cores, so size it to the machine. */
    WORKER_CONCURRENCY: fields.positiveInt.default(4),
    /** auto = openai when OPENAI_API_KEY is set, else whisper when a model is present, else pocketsphinx. */
    TRANSCRIBER: z.enum(TRANSCRIBER_CHOICES).default("auto"),
    OPENAI_API_KEY: z.string().min(1).optional(),
    /** Any OpenAI-compatible server (e.g. whisper.cpp's whisper-server). */
    OPENAI_BASE_URL: fields.httpUrl.optional(),
    /** whisper-1 returns word timestamps; text-only models (gpt-transcribe, gpt-4o-*) are timed by the worker. */
    OPENAI_MODEL: z.string().min(1).default("whisper-1"),
    /** Audio above this size is split into chunks (OpenAI's limit is 25 MB). */
    OPENAI_MAX_UPLOAD_BYTES: fields.positiveInt.default(24 * 1024 * 1024),
    /** A ggml Whisper model file (or a directory holding one); default .data/models. */
    WHISPER_MODEL_PATH: z.string().min(1).optional(),
    /** CPU threads of one Whisper run; unset: the job's share of ASR_PARALLELISM. */
    WHISPER_THREADS: fields.positiveInt.optional(),
    /**
     * Cores speech recognition may use in this worker (pocketsphinx processes, whisper threads), shared
     * among the jobs running at once: each gets max(1, floor(ASR_PARALLELISM ÷ running jobs)).
     */
    ASR_PARALLELISM: fields.intBetween(1, 1024).default(availableParallelism()),
    /** Longer inputs fail at once with TOO_LONG. */
    MAX_DURATION_SEC: fields.positiveInt.default(4 * 3600),
    FFMPEG_PRESET: z
      .enum(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"])
      .default("veryfast"),
    FFMPEG_CRF: fields.intBetween(0, 51).default(23),
    /** On SIGTERM, running jobs get this long to finish before they are handed back to the queue. */
    WORKER_SHUTDOWN_TIMEOUT_MS: fields.positiveInt.default(120_000),
    /** /healthz (queue metrics are on the dashboard's /metrics); 0 disables the server. */
    WORKER_HEALTH_PORT: fields.intBetween(0, 65535).default(9464),
    /** Where /healthz listens: loopback by default (the container's own health check); 0.0.0.0 to expose it. */
    WORKER_HEALTH_HOST: z
      .string()
      .refine((v) => isIP(v) !== 0 || HOST_NAME.test(v), "must be an IP address or a host name")
      .default("127.0.0.1"),
    /**
     * Videos longer than this (seconds, burned in) are split into segments processed on any worker as a
     * BullMQ flow (docs/scaling.md); 0 never splits.
     */
    SPLIT_MIN_SEC: fields.intBetween(0, 7 * 86_400).default(300),
    /** Target length of one segment of a split video (seconds): it is cut into about duration ÷ this equal parts. */
    SPLIT_SEGMENT_SEC: fields.intBetween(2, 86_400).default(120),
    /** Per-job temp dirs are created under this dir (default: the OS temp dir). */
    WORKER_TMP_DIR: z.string().optional(),
    /** true lets webhooks target private and loopback addresses (tests, all-private deployments). */
    WEBHOOK_ALLOW_PRIVATE: fields.bool.default(false),
    /** How often the stuck-job reaper runs (one worker per interval); 0 turns it off. */
    REAPER_INTERVAL_SEC: fields.intBetween(0, 86_400).default(60),
    /** Absolute cap on time in `processing` (MediaConvert's is 48 h). */
    REAPER_MAX_PROCESSING_HOURS: fields.intBetween(1, 24 * 30).default(48),
    /** Days after a job finishes that its uploaded video is deleted (it can then not run again); 0 keeps it. */
    RETENTION_DAYS_INPUT: fields.intBetween(0, 36_500).default(7),
    /** Days after a job finishes that all its files are deleted and it reads `expired`; 0 keeps them. */
    RETENTION_DAYS_OUTPUT: fields.intBetween(0, 36_500).default(30),
    /** Minutes between retention sweeps (one worker per interval runs it); 0 turns the sweep off. */
    RETENTION_SWEEP_EVERY_MIN: fields.intBetween(0, 7 * 24 * 60).default(60),
  })
  .superRefine(
    (env, ctx) => {
      refineStorage(env, ctx);
      if (env.TRANSCRIBER === "openai" && !env.OPENAI_API_KEY) {
        ctx.addIssue({ code: "custom", path: ["OPENAI_API_KEY"], message: "is missing (TRANSCRIBER=openai)" });
      }
      if (env.RETENTION_DAYS_OUTPUT > 0 && env.RETENTION_DAYS_INPUT > env.RETENTION_DAYS_OUTPUT) {
        ctx.addIssue({
          code: "custom",
          path: ["RETENTION_DAYS_INPUT"],
          message: `(${env.RETENTION_DAYS_INPUT}) is longer than RETENTION_DAYS_OUTPUT (${env.RETENTION_DAYS_OUTPUT}): the input is deleted with the outputs; set it to ${env.RETENTION_DAYS_OUTPUT} or less`,
        });
      }
    },
    { when: alwaysCheck },
  );

export type WorkerEnv = z.infer<typeof workerEnvSchema> & { storage: StorageConfig };

/** The worker's validated environment (throws EnvError naming the bad variable). */
export function workerEnv(source: Record<string, string | undefined> = process.env): WorkerEnv {
  const env = parseEnv("worker", workerEnvSchema, source);
  return { ...env, storage: storageConfigFrom(env) };
}
