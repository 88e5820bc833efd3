// `npm start`: the whole stack on embedded defaults — app, worker and queue dashboard — with zero
// configuration. Anything set in the environment wins over the defaults. Ctrl-C stops everything.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { DEFAULT_MODEL_DIR, findWhisperModel, whisperUnavailableReason } from "../worker/transcribe/whisper";
import { ensureFirstAdmin } from "./lib/first-admin";
import { ensureNextBuild } from "./lib/next-build";
import { loadOrCreateSecrets } from "./lib/secrets";
import {
  ensureDatabase,
  migrateDatabase,
  postgresAnswers,
  redisAnswers,
  type Stop,
  startEmbeddedPostgres,
  startLocalRedis,
} from "./lib/services";
import { ensureSystemPackages, RUNTIME_REQUIREMENTS } from "./lib/system-deps";

const log = (line: string) => console.log(`[start] ${line}`);
const stops: Stop[] = [];
const children: ChildProcess[] = [];
let shuttingDown = false;

async function main() {
  ensureSystemPackages(RUNTIME_REQUIREMENTS, log);
  const dataDir = path.resolve(process.env.DATA_DIR ?? ".data");
  const secrets = loadOrCreateSecrets(dataDir);
  const port = Number(process.env.PORT ?? 3000);
  const dashboardPort = Number(process.env.DASHBOARD_PORT ?? 3001);

  const databaseUrl = process.env.DATABASE_URL ?? (await defaultPostgres(dataDir));
  await ensureDatabase(databaseUrl);
  log("Applying database migrations…");
  migrateDatabase(databaseUrl, true);

  const redisUrl = process.env.REDIS_URL ?? (await defaultRedis(dataDir));

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? "production",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    DATA_DIR: dataDir,
    STORAGE_SIGNING_SECRET: process.env.STORAGE_SIGNING_SECRET ?? secrets.storageSigningSecret,
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? secrets.nextauthSecret,
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://127.0.0.1:${port}`,
    DASHBOARD_URL: process.env.DASHBOARD_URL ?? `http://127.0.0.1:${dashboardPort}`,
    DASHBOARD_PORT: String(dashboardPort),
    NEXT_TELEMETRY_DISABLED: "1",
    ...resolvedTranscriber(),
  };
  Object.assign(process.env, env);
  await ensureFirstAdmin(env, log);

  ensureNextBuild(log);

  run("app", path.resolve("node_modules/.bin/next"), ["start", "-p", String(port)], env);
  run("worker", process.execPath, ["--import", "tsx", "worker/index.ts"], env);
  if (existsSync("dashboard/index.ts"))
    run("dashboard", process.execPath, ["--import", "tsx", "dashboard/index.ts"], env);

  await waitForHttp(`http://127.0.0.1:${port}/api/health`, 60_000);
  log(`Captioner is running: http://127.0.0.1:${port}  (admin: http://127.0.0.1:${port}/admin) — Ctrl-C stops it.`);
}

async function defaultPostgres(dataDir: string): Promise<string> {
  const local = `postgresql://${process.env.USER && process.env.USER !== "" ? process.env.USER : "postgres"}@127.0.0.1:5432/captioner`;
  if (await postgresAnswers(local)) return local;
  const fallback = "postgresql://postgres@127.0.0.1:5432/captioner";
  if (local !== fallback && (await postgresAnswers(fallback))) return fallback;
  log("No Postgres answers on 127.0.0.1:5432: starting an embedded one under .data/postgres (port 5433)…");
  const embedded = await startEmbeddedPostgres(path.join(dataDir, "postgres"), 5433);
  stops.push(embedded.stop);
  return embedded.url;
}

async function defaultRedis(dataDir: string): Promise<string> {
  const local = "redis://127.0.0.1:6379";
  if (await redisAnswers(local)) return local;
  log("No Redis answers on 127.0.0.1:6379: starting redis-server under .data/redis (port 6380)…");
  const started = await startLocalRedis(path.join(dataDir, "redis"), 6380);
  stops.push(started.stop);
  return started.url;
}

/**
 * The app holds no API key and does not look for Whisper models, so it cannot resolve `auto` as the worker
 * does: resolve it once here with the worker's rule (key → openai; a loadable model → whisper; else
 * pocketsphinx), and every process offers the same languages. An explicit choice passes as is.
 */
function resolvedTranscriber(): { TRANSCRIBER: string; WHISPER_MODEL_PATH?: string } {
  const wanted = process.env.TRANSCRIBER;
  if (wanted && wanted !== "auto") return { TRANSCRIBER: wanted };
  if (process.env.OPENAI_API_KEY) return { TRANSCRIBER: "openai" };
  const model = whisperUnavailableReason()
    ? null
    : findWhisperModel(process.env.WHISPER_MODEL_PATH ?? DEFAULT_MODEL_DIR);
  // The model's own path, so the app can read its name (English-only or multilingual).
  return model ? { TRANSCRIBER: "whisper", WHISPER_MODEL_PATH: model } : { TRANSCRIBER: "pocketsphinx" };
}

function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, {
    env: { ...env, CAPTIONER_PROCESS: name },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (shuttingDown) return;
    log(`${name} exited (${signal ?? code}); stopping the stack.`);
    void shutdown(1);
  });
}

async function waitForHttp(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the app did not answer at ${url} within ${timeoutMs / 1000} s`);
}

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  log("Stopping… running jobs may take a while to finish; press Ctrl-C again to force.");
  for (const child of children) child.kill("SIGTERM");
  // The worker lets running jobs finish up to its own deadline; give it that long, then force.
  const deadline = setTimeout(() => {
    for (const child of children) child.kill("SIGKILL");
  }, 130_000);
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
  clearTimeout(deadline);
  for (const stop of stops.reverse()) await stop().catch(() => {});
  process.exit(code);
}

process.on("SIGINT", () => {
  if (!shuttingDown) return void shutdown(0);
  // A second Ctrl-C: stop now. Unfinished jobs stay in the queue and are picked up again at the next start.
  log("Forcing stop.");
  for (const child of children) child.kill("SIGKILL");
  void Promise.all(stops.map((stop) => stop().catch(() => {}))).then(() => process.exit(130));
});
process.on("SIGTERM", () => void shutdown(0));

main().catch(async (error: Error) => {
  console.error(`[start] ${error.message}`);
  await shutdown(1);
});
