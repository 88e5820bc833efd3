import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPrisma, type PrismaClient } from "../../lib/db";
import { createTestDatabase } from "./databases";

// Starts real processes — `next start` (the app), `worker/index.ts`, `dashboard/index.ts` — against a
// database of its own, a data dir of its own and a queue prefix of its own.

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface ManagedProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, wait for exit (SIGKILL after `graceMs`). Resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string | null>;
  exited: Promise<number | string | null>;
}

export function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ManagedProcess {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
    if (process.env.STACK_LOGS) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 200, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

export interface StackOptions {
  /** Start a worker process (default true). */
  worker?: boolean;
  /** Start the Bull Board dashboard (default false). */
  dashboard?: boolean;
  /** Extra/overriding env for every process. */
  env?: Record<string, string>;
  /** Extra env for the worker only. */
  workerEnv?: Record<string, string>;
  /** Rewrites the DATABASE_URL the processes get (e.g. through a TCP proxy); `stack.db` keeps the direct one. */
  mapDatabaseUrl?: (url: string) => string;
  /** Migrated template database to clone (outside vitest, e.g. benchmarks; default: the global setup's). */
  templateDb?: string;
}

export interface Stack {
  baseUrl: string;
  dashboardUrl: string;
  env: NodeJS.ProcessEnv;
  db: PrismaClient;
  dataDir: string;
  app: ManagedProcess;
  workers: ManagedProcess[];
  dashboard?: ManagedProcess;
  startWorker(extraEnv?: Record<string, string>): Promise<ManagedProcess>;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const database = await createTestDatabase(options.templateDb);
  const dataDir = mkdtempSync(path.join(tmpdir(), "captioner-test-"));
  const [port, dashboardPort] = await Promise.all([freePort(), freePort()]);
  const baseUrl = `http://127.0.0.1:${port}`;
  const dashboardUrl = `http://127.0.0.1:${dashboardPort}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    DATABASE_URL: options.mapDatabaseUrl ? options.mapDatabaseUrl(database.url) : database.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    QUEUE_PREFIX: `test-${randomBytes(4).toString("hex")}`,
    DATA_DIR: dataDir,
    STORAGE_SIGNING_SECRET: randomBytes(24).toString("base64url"),
    NEXTAUTH_SECRET: randomBytes(24).toString("base64url"),
    NEXTAUTH_URL: baseUrl,
    APP_URL: baseUrl,
    DASHBOARD_URL: dashboardUrl,
    DASHBOARD_PORT: String(dashboardPort),
    WORKER_HEALTH_PORT: "0",
    WORKER_TMP_DIR: path.join(dataDir, "work"),
    WORKER_CONCURRENCY: "2",
    // TRANSCRIBER=auto must not pick up a Whisper model someone downloaded into the repo's .data/models.
    WHISPER_MODEL_PATH: path.join(dataDir, "models"),
    FFMPEG_PRESET: "ultrafast",
    LOG_LEVEL: "info",
    NEXT_TELEMETRY_DISABLED: "1",
    // Every suite calls the API anonymously from 127.0.0.1, far above the production per-IP defaults; the
    // limits' own suite (tests/api/rate-limits.test.ts) sets the numbers it tests.
    RATE_LIMIT_IP_REQUESTS_PER_MIN: "0",
    RATE_LIMIT_IP_CONCURRENT_JOBS: "0",
    RATE_LIMIT_IP_MEDIA_MINUTES_PER_DAY: "0",
    ...(process.env.NEXT_DIST_DIR ? { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR } : {}),
    ...options.env,
  };
  const app = startProcess(
    "app",
    path.join(ROOT, "node_modules/.bin/next"),
    ["start", "-p", String(port), "-H", "127.0.0.1"],
    {
      ...env,
      CAPTIONER_PROCESS: "app",
    },
  );
  const workers: ManagedProcess[] = [];
  const db = createPrisma(database.url, { max: 4 });

  const stack: Stack = {
    baseUrl,
    dashboardUrl,
    env,
    db,
    dataDir,
    app,
    workers,
    async startWorker(extraEnv = {}) {
      const worker = startProcess("worker", process.execPath, ["--import", "tsx", path.join(ROOT, "worker/index.ts")], {
        ...env,
        ...options.workerEnv,
        ...extraEnv,
        CAPTIONER_PROCESS: "worker",
      });
      workers.push(worker);
      await waitFor(async () => worker.output().includes("worker ready") || worker.child.exitCode !== null, {
        timeoutMs: 30_000,
        what: "the worker to start",
      });
      if (worker.child.exitCode !== null) throw new Error(`worker exited at start:\n${worker.output()}`);
      return worker;
    },
    async stop() {
      await Promise.all([app.stop(), ...workers.map((w) => w.stop(30_000)), stack.dashboard?.stop()]);
      await db.$disconnect();
      await database.drop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  if (options.dashboard) {
    stack.dashboard = startProcess(
      "dashboard",
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "dashboard/index.ts")],
      {
        ...env,
        CAPTIONER_PROCESS: "dashboard",
      },
    );
  }
  if (options.worker !== false) await stack.startWorker();
  await waitFor(
    async () => {
      if (app.child.exitCode !== null) throw new Error(`app exited:\n${app.output()}`);
      const res = await fetch(`${baseUrl}/api/health`);
      return res.ok;
    },
    { timeoutMs: 60_000, what: "the app to answer /api/health" },
  );
  return stack;
}
