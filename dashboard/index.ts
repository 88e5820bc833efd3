// The queue dashboard process: Bull Board behind the console's session, and /metrics for ops
// (dashboard/server.ts). The app proxies /admin/queues/board here; `npm start` runs it beside the app.
import type { Server } from "node:http";
import { createPrisma } from "../lib/db";
import { type DashboardEnv, dashboardEnv } from "../lib/env/dashboard-env";
import { exitOnEnvError } from "../lib/env/parse-env";
import { createLogger } from "../lib/logger";
import { QUEUE_BOARD_PATH } from "../lib/queue-board";
import { createProducerConnection, whenReady } from "../lib/redis";
import { createBoardQueues } from "./queues";
import { createDashboardApp } from "./server";

/** On SIGTERM, open requests get this long before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;
/** How long start-up waits for Redis before serving anyway (each request then reports its own failure). */
const REDIS_READY_WAIT_MS = 5_000;

let env: DashboardEnv;
try {
  env = dashboardEnv();
} catch (error) {
  exitOnEnvError(error);
}

const log = createLogger("dashboard", env.LOG_LEVEL);
const db = createPrisma(env.DATABASE_URL, { max: 4 });
// Request-path connection: fail fast while Redis is down rather than queue commands behind it.
const redis = createProducerConnection(env.REDIS_URL);
redis.on("error", (error) => log.warn({ err: error.message }, "redis connection error"));
const queues = createBoardQueues(redis, env.QUEUE_PREFIX);

await whenReady(redis, REDIS_READY_WAIT_MS).catch((error: Error) =>
  log.warn({ err: error.message }, "Redis is not answering yet; serving anyway"),
);

const app = createDashboardApp({ env, db, redis, queues, log });
const server: Server = app.listen(env.DASHBOARD_PORT, env.DASHBOARD_HOST, () => {
  log.info(
    {
      host: env.DASHBOARD_HOST,
      port: env.DASHBOARD_PORT,
      board: QUEUE_BOARD_PATH,
      queues: queues.map((entry) => entry.queue.name),
      prefix: env.QUEUE_PREFIX,
      metricsAuth: env.METRICS_TOKEN ? "bearer" : "open",
    },
    "dashboard ready",
  );
});
server.on("error", (error) => {
  log.fatal({ err: error.message, port: env.DASHBOARD_PORT }, "dashboard cannot listen");
  process.exit(1);
});

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal }, "shutting down: no new connections; finishing open requests");
  const deadline = setTimeout(() => {
    log.warn("shutdown deadline reached; exiting with requests still open");
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  // The board polls over keep-alive connections: close the idle ones now, or close() waits for them.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await Promise.all(queues.map((entry) => entry.queue.close().catch(() => {})));
  await redis.quit().catch(() => {});
  await db.$disconnect();
  clearTimeout(deadline);
  log.info("dashboard stopped");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
