// The worker process: takes caption jobs from BullMQ and runs them (worker/process-caption-job.ts).
import { access, constants, mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { DelayedError, UnrecoverableError, WaitingChildrenError, WaitingError, Worker } from "bullmq";
import { createPrisma } from "../lib/db";
import { databaseUnavailableReason } from "../lib/db-errors";
import { exitOnEnvError } from "../lib/env/parse-env";
import { type WorkerEnv, workerEnv } from "../lib/env/worker-env";
import {
  CAPTION_QUEUE,
  type CaptionJobPayload,
  createSegmentQueue,
  SEGMENT_QUEUE,
  type SegmentJobPayload,
} from "../lib/job-contract";
import { cancelChannel } from "../lib/jobs/cancel-channel";
import { sweepEnabled } from "../lib/jobs/retention";
import { createLogger } from "../lib/logger";
import { recordMediaUsage } from "../lib/rate-limit/enforce";
import { createWorkerConnection } from "../lib/redis";
import { createStorage } from "../lib/storage";
import { TIMEOUTS, withTimeout } from "../lib/timeouts";
import { createWebhookQueue } from "../lib/webhooks/contract";
import { emitJobEvent } from "../lib/webhooks/emit";
import { CancelRequested, ShutdownRequested } from "./cancel-reasons";
import { sweepAbandonedJobDirs } from "./job-dirs";
import { startMaintenanceConsumer } from "./maintenance-consumer";
import { processCaptionJob, type WorkerDeps } from "./process-caption-job";
import { queueFacingError } from "./queue-record";
import { startReaper } from "./reaper";
import { reconcileFailedJob } from "./reconcile-failed";
import { processSegmentJob } from "./split/segment-job";
import { chooseTranscriber, type TranscriberChoice } from "./transcribe";
import { asrShare } from "./transcribe/parallelism";
import { startWebhookConsumer } from "./webhook-consumer";

let env: WorkerEnv;
try {
  env = workerEnv();
} catch (error) {
  exitOnEnvError(error);
}

const log = createLogger("worker", env.LOG_LEVEL);
// Per-job temp dirs live here: an unwritable dir would fail every job, so say it once, at start.
const tmpBase = env.WORKER_TMP_DIR ?? tmpdir();
await ensureWritableDir(tmpBase).catch((error: Error) => {
  console.error(`captioner: WORKER_TMP_DIR is not a writable directory: ${error.message}`);
  process.exit(1);
});
// A worker killed mid-job (SIGKILL, OOM) leaves its job's temp dir behind: remove those of dead workers.
const swept = await sweepAbandonedJobDirs(tmpBase);
if (swept.length > 0) log.info({ dirs: swept }, "removed temp dirs left by a worker that was killed");
const db = createPrisma(env.DATABASE_URL, { max: Math.max(4, env.WORKER_CONCURRENCY * 2) });
const storage = createStorage(env.storage);
let choice: TranscriberChoice;
try {
  choice = chooseTranscriber({
    transcriber: env.TRANSCRIBER,
    openaiApiKey: env.OPENAI_API_KEY,
    openaiBaseUrl: env.OPENAI_BASE_URL,
    openaiModel: env.OPENAI_MODEL,
    openaiMaxUploadBytes: env.OPENAI_MAX_UPLOAD_BYTES,
    whisperModelPath: env.WHISPER_MODEL_PATH,
    whisperThreads: env.WHISPER_THREADS,
    // Each job's share of the recognition cores, by the jobs running when its recognition starts.
    asrParallelism: () => asrShare(env.ASR_PARALLELISM, running.size),
  });
} catch (error) {
  // A missing key or model fails every job alike: say so once and do not start.
  console.error(`captioner: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const { transcriber } = choice;
log.info({ transcriber: transcriber.name, why: choice.reason }, "speech recognition backend chosen");

/** How long a job waits when Postgres could not be reached (not counted as an attempt). */
const DATABASE_RETRY_MS = 5_000;

/**
 * Abort controllers of the jobs this process is running: by our job id, and `<jobId>#<n>` for segment n of
 * a split job (a cancel of the job stops all of them).
 */
const running = new Map<string, AbortController>();
let shuttingDown = false;

const connection = createWorkerConnection(env.REDIS_URL);
const webhookQueue = createWebhookQueue(connection, env.QUEUE_PREFIX);
webhookQueue.on("error", (error) => log.warn({ err: error.message }, "webhook queue error"));
/** Announces a job's final status to its key's webhook endpoints (called where that status is written). */
const retentionPolicy = { inputDays: env.RETENTION_DAYS_INPUT, outputDays: env.RETENTION_DAYS_OUTPUT };
/** The deadlines webhooks announce: this worker's policy, as it writes it into the sweep's schedule. */
const retention = sweepEnabled(retentionPolicy, env.RETENTION_SWEEP_EVERY_MIN) ? retentionPolicy : null;
const announceFinalStatus = (jobId: string) => emitJobEvent({ db, webhookQueue, log, retention }, jobId).then(() => {});
const segmentQueue = createSegmentQueue(connection, env.QUEUE_PREFIX);
segmentQueue.on("error", (error) => log.warn({ err: error.message }, "segment queue error"));
const deps: WorkerDeps = {
  db,
  storage,
  transcriber,
  log,
  onFinalStatus: announceFinalStatus,
  // Bounded: a stalled Redis must not hold up the stage (the event is then lost, the job is not).
  onStageChange: (jobId) =>
    withTimeout(emitJobEvent({ db, webhookQueue, log, retention }, jobId, "job.progress"), TIMEOUTS.redisCommandMs)
      .then(() => {})
      .catch(() => {}),
  recordMediaUsage: (submitter, durationSec) =>
    withTimeout(recordMediaUsage(connection, env.QUEUE_PREFIX, submitter, durationSec), TIMEOUTS.redisCommandMs),
  settings: {
    maxDurationSec: env.MAX_DURATION_SEC,
    preset: env.FFMPEG_PRESET,
    crf: env.FFMPEG_CRF,
    tmpDir: env.WORKER_TMP_DIR,
    // The same share of the cores as recognition: one ffmpeg keeps ~1.1 cores busy.
    renderSegments: () => asrShare(env.ASR_PARALLELISM, running.size),
  },
  split: { minSec: env.SPLIT_MIN_SEC, segmentSec: env.SPLIT_SEGMENT_SEC, segmentQueue },
};

/** Runs one attempt with an abort controller registered under `key`; the same outage handling for both queues. */
async function runTracked<T>(
  key: string,
  job: { data: { jobId: string }; moveToDelayed(timestamp: number, token?: string): Promise<void> },
  token: string | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  running.set(key, controller);
  try {
    return await work(controller.signal);
  } catch (error) {
    // Postgres unreachable: the attempt could not even record itself. Postpone the job instead of
    // spending one of its attempts (or failing it) on an outage that has nothing to do with the video.
    const reason =
      error instanceof UnrecoverableError || error instanceof WaitingError || error instanceof WaitingChildrenError
        ? null
        : databaseUnavailableReason(error);
    if (!reason) {
      // BullMQ keeps the message for the queue board: only public words go there (worker/queue-record.ts).
      const facing = queueFacingError(error);
      if (facing !== error) log.error({ jobId: job.data.jobId, err: error }, "attempt failed unexpectedly");
      throw facing;
    }
    log.warn({ jobId: job.data.jobId, reason, retryInMs: DATABASE_RETRY_MS }, "database unavailable: job postponed");
    await job.moveToDelayed(Date.now() + DATABASE_RETRY_MS, token);
    throw new DelayedError();
  } finally {
    running.delete(key);
  }
}

// Whole jobs and split jobs' segments (a segment is a smaller job of the same kind) run with these.
const jobWorkerOptions = {
  connection,
  prefix: env.QUEUE_PREFIX,
  // Each job runs ffmpeg/ASR in child processes; WORKER_CONCURRENCY of them run at once (default 4).
  concurrency: env.WORKER_CONCURRENCY,
  // The lock is renewed every lockDuration/2 by the event loop, which stays free because all heavy
  // work is in child processes; 60 s rides out a long GC pause or a slow Redis without a false stall.
  lockDuration: 60_000,
  // Check for stalled jobs (a worker that died) every 30 s; a job that stalls twice is failed rather
  // than retried forever (it may be the job killing the worker).
  stalledInterval: 30_000,
  maxStalledCount: 2,
  autorun: false,
};

const worker = new Worker<CaptionJobPayload>(
  CAPTION_QUEUE,
  (job, token) => runTracked(job.data.jobId, job, token, (signal) => processCaptionJob(deps, job, token, signal)),
  jobWorkerOptions,
);

// Segments of split jobs (worker/split): every worker process takes them, at the same concurrency and
// with the same lock and stall settings as whole jobs (a segment is a smaller job of the same kind).
const segmentWorker = new Worker<SegmentJobPayload>(
  SEGMENT_QUEUE,
  (job, token) =>
    runTracked(`${job.data.jobId}#${job.data.index}`, job, token, (signal) =>
      processSegmentJob(deps, job, token, signal),
    ),
  jobWorkerOptions,
);
segmentWorker.on("error", (error) => log.error({ err: error }, "segment worker error"));

const webhookWorker = startWebhookConsumer({
  db,
  connection,
  prefix: env.QUEUE_PREFIX,
  log,
  allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
});
worker.on("error", (error) => log.error({ err: error }, "worker error"));
worker.on("failed", (job, error) => {
  if (!job) return;
  log.debug({ jobId: job.data.jobId, err: error.message }, "attempt ended with an error");
  void reconcileFailedJob(db, job, error, log, announceFinalStatus).catch((err: unknown) =>
    log.error({ err }, "reconcile failed job"),
  );
});

// Cancel requests from the admin console.
const subscriber = createWorkerConnection(env.REDIS_URL);
subscriber.on("error", (error) => log.warn({ err: error.message }, "cancel subscriber error"));
void subscriber.subscribe(cancelChannel(env.QUEUE_PREFIX));
subscriber.on("message", (_channel, jobId: string) => {
  for (const [key, controller] of running) {
    if (key !== jobId && !key.startsWith(`${jobId}#`)) continue;
    log.info({ jobId, running: key }, "cancel requested: stopping the job");
    controller.abort(new CancelRequested());
  }
});

// Event-loop liveness: a 1 s heartbeat. BullMQ renews job locks from this loop, so a loop that is starved
// (or was blocked for seconds since the last beat) loses locks and jobs stall; /healthz says so.
const HEARTBEAT_MS = 1_000;
const LOOP_STALE_MS = 5_000;
let lastBeat = Date.now();
let worstLagMs = 0;
const heartbeat = setInterval(() => {
  const now = Date.now();
  worstLagMs = Math.max(worstLagMs, now - lastBeat - HEARTBEAT_MS);
  lastBeat = now;
}, HEARTBEAT_MS);
heartbeat.unref();

const health = startHealthServer(env.WORKER_HEALTH_PORT, env.WORKER_HEALTH_HOST);
const maintenance = startMaintenanceConsumer({
  db,
  storage,
  connection,
  prefix: env.QUEUE_PREFIX,
  log,
  retention: retentionPolicy,
  sweepEveryMin: env.RETENTION_SWEEP_EVERY_MIN,
  onExpired: announceFinalStatus,
});
const stopReaper =
  env.REAPER_INTERVAL_SEC > 0
    ? startReaper({
        db,
        redis: connection,
        queuePrefix: env.QUEUE_PREFIX,
        log,
        intervalMs: env.REAPER_INTERVAL_SEC * 1000,
        maxProcessingMs: env.REAPER_MAX_PROCESSING_HOURS * 3_600_000,
      })
    : () => {};

/** After the deadline, how long aborted jobs get to hand themselves back (kill children, update the row). */
const HANDBACK_GRACE_MS = 15_000;

async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  stopReaper();
  log.info(
    { signal, running: running.size, deadlineMs: env.WORKER_SHUTDOWN_TIMEOUT_MS },
    "shutting down: no new jobs; letting running ones finish",
  );
  // After the deadline, abort what is still running: each job hands itself back to the queue.
  const deadline = setTimeout(() => {
    for (const controller of running.values()) controller.abort(new ShutdownRequested());
  }, env.WORKER_SHUTDOWN_TIMEOUT_MS);
  // A job that ignores its abort must not keep the process (and a deploy) waiting forever: exit non-zero;
  // its lock expires and the stalled-job check hands it to another worker.
  setTimeout(() => {
    log.error({ running: [...running.keys()] }, "jobs did not stop after the shutdown deadline; exiting");
    process.exit(1);
  }, env.WORKER_SHUTDOWN_TIMEOUT_MS + HANDBACK_GRACE_MS).unref();
  try {
    await Promise.all([worker.close(), segmentWorker.close(), webhookWorker.close(), maintenance.close()]);
  } finally {
    clearTimeout(deadline);
  }
  await webhookQueue.close().catch(() => {});
  await segmentQueue.close().catch(() => {});
  await subscriber.quit().catch(() => {});
  health?.close();
  await db.$disconnect();
  log.info("worker stopped");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

function startHealthServer(port: number, host: string): Server | undefined {
  if (port === 0) return undefined;
  const server = createServer(async (req, res) => {
    if (req.url === "/healthz") {
      // The worker's connection retries forever while Redis is away: bound the ping so /healthz answers.
      const redisOk = await withTimeout(connection.ping(), TIMEOUTS.healthCheckMs)
        .then((r) => r === "PONG")
        .catch(() => false);
      // Worst lag since the last check (reset on read), or the current silence if the beat is overdue.
      const loopLagMs = Math.max(worstLagMs, Date.now() - lastBeat - HEARTBEAT_MS, 0);
      worstLagMs = 0;
      const loopOk = loopLagMs < LOOP_STALE_MS;
      const ok = redisOk && loopOk && !shuttingDown && worker.isRunning();
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(
        JSON.stringify({
          ok,
          redis: redisOk,
          eventLoop: { ok: loopOk, lagMs: loopLagMs },
          shuttingDown,
          running: running.size,
          concurrency: env.WORKER_CONCURRENCY,
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  server.on("error", (error) => log.error({ err: error.message, host, port }, "health server failed to listen"));
  server.listen(port, host);
  return server;
}

void worker.run();
void segmentWorker.run();
void webhookWorker.run();
await worker.waitUntilReady();
log.info(
  {
    concurrency: env.WORKER_CONCURRENCY,
    transcriber: transcriber.name,
    // What the app must agree with (TRANSCRIBER/OPENAI_MODEL in its env): lib/asr/capabilities.
    model: transcriber.capabilities.model,
    languages: transcriber.capabilities.languages.length,
    wordTiming: transcriber.capabilities.wordTiming,
    queue: CAPTION_QUEUE,
    prefix: env.QUEUE_PREFIX,
  },
  "worker ready",
);

async function ensureWritableDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await access(dir, constants.W_OK);
}
