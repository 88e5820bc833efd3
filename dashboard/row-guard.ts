import { type NextFunction, type Request, type Response, Router } from "express";
import { refuse } from "./auth";
import type { BoardQueue } from "./queues";

// Board actions that would take jobs out of the queue (or repoint them) while their Postgres rows still
// say queued or processing. The row is what users and the console see, so these go through the console
// (cancel, retry) instead. Removing finished jobs (clean completed/failed) is harmless: Postgres keeps
// the record.

const FINISHED_STATES = new Set(["completed", "failed"]);
const MESSAGE =
  "This would remove or change jobs whose records still say queued or processing; cancel or retry them from the console (/admin/jobs) instead.";

export function rowGuard(queues: readonly BoardQueue[]): Router {
  const router = Router();
  const rowBound = (req: Request) =>
    queues.find((entry) => entry.queue.name === String(req.params.queueName))?.rowIdOf !== undefined;
  const block = (req: Request, res: Response, next: NextFunction) => {
    if (!rowBound(req)) return next();
    refuse(res, 409, "USE_THE_CONSOLE", MESSAGE);
  };

  router.put("/api/queues/:queueName/empty", block);
  router.put("/api/queues/:queueName/obliterate", block);
  router.post("/api/queues/:queueName/add", block);
  router.patch("/api/queues/:queueName/:jobId/update-data", block);
  router.put("/api/queues/:queueName/clean/:queueStatus", (req, res, next) => {
    if (FINISHED_STATES.has(String(req.params.queueStatus))) return next();
    block(req, res, next);
  });
  router.put("/api/queues/:queueName/:jobId/clean", async (req, res, next) => {
    const entry = queues.find((e) => e.queue.name === String(req.params.queueName));
    const job = entry?.rowIdOf ? await entry.queue.getJob(String(req.params.jobId)) : undefined;
    if (!job || FINISHED_STATES.has(await job.getState())) return next();
    block(req, res, next);
  });
  return router;
}
