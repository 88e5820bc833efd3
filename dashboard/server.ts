import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type Response,
} from "express";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PrismaClient } from "../lib/db";
import type { DashboardEnv } from "../lib/env/dashboard-env";
import { checkHealth } from "../lib/health";
import { createOpsMetrics } from "../lib/metrics/ops-metrics";
import { QUEUE_BOARD_PATH } from "../lib/queue-board";
import {
  type BoardCaller,
  boardCaller,
  refuseCrossSiteWrites,
  refuseReadOnlyWrites,
  requireBoardSession,
} from "./auth";
import { createBoards } from "./boards";
import { metricsEndpoint } from "./metrics-endpoint";
import type { BoardQueue } from "./queues";
import { retrySync } from "./retry-sync";
import { rowGuard } from "./row-guard";
import { withoutExternalAssets } from "./self-contained";

export interface DashboardDeps {
  env: DashboardEnv;
  db: PrismaClient;
  redis: Redis;
  queues: readonly BoardQueue[];
  log: Logger;
}

/**
 * The dashboard's HTTP surface:
 * - GET /healthz: no auth, answers only whether Postgres and Redis respond;
 * - GET /metrics: Prometheus text (bearer token when METRICS_TOKEN is set);
 * - QUEUE_BOARD_PATH/…: Bull Board, for admins (full) and ops (read-only), session checked on every request.
 */
export function createDashboardApp(deps: DashboardDeps): Express {
  const app = express();
  app.disable("x-powered-by");

  app.get("/healthz", async (_req, res) => {
    const report = await checkHealth(deps.db, deps.redis);
    res.status(report.ok ? 200 : 503).json({ ok: report.ok });
  });

  const metrics = createOpsMetrics({ db: deps.db, queues: deps.queues.map((entry) => entry.queue) });
  app.get("/metrics", metricsEndpoint(metrics, deps.env.METRICS_TOKEN, deps.log));

  const boards = createBoards(deps.queues);
  app.use(
    QUEUE_BOARD_PATH,
    logRequests(deps.log),
    requireBoardSession(deps.env.NEXTAUTH_SECRET, deps.db),
    refuseCrossSiteWrites,
    refuseReadOnlyWrites,
    retrySync(deps),
    rowGuard(deps.queues),
    withoutExternalAssets,
    (req: Request, res: Response, next: NextFunction) => {
      const board = boardCaller(res).access === "full" ? boards.admin : boards.ops;
      board(req, res, next);
    },
  );

  app.use((_req, res) => {
    res.status(404).json({ error: { code: "NOT_FOUND", message: "Not found." } });
  });
  app.use(((error, req, res, _next) => {
    deps.log.error({ err: error, method: req.method, path: req.path }, "dashboard request failed");
    if (res.headersSent) return;
    res.status(500).json({ error: { code: "INTERNAL", message: "Something went wrong on our side." } });
  }) satisfies ErrorRequestHandler);
  return app;
}

/** Reads at debug (the board polls every few seconds), writes at info with who made them. */
function logRequests(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on("finish", () => {
      const caller = res.locals.boardCaller as BoardCaller | undefined;
      const entry = {
        method: req.method,
        path: `${req.baseUrl}${req.path}`,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        userId: caller?.userId,
        role: caller?.role,
      };
      if (req.method === "GET" || req.method === "HEAD") log.debug(entry, "board request");
      else log.info(entry, "board write");
    });
    next();
  };
}
