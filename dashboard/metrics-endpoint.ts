import { createHash, timingSafeEqual } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import type { OpsMetrics } from "../lib/metrics/ops-metrics";

/**
 * GET /metrics in Prometheus text format. With METRICS_TOKEN set, the scraper must send
 * `Authorization: Bearer <token>`; without it the endpoint is open on the (internal) dashboard port.
 */
export function metricsEndpoint(metrics: OpsMetrics, token: string | undefined, log: Logger): RequestHandler {
  const expected = token ? digest(token) : null;
  return async (req: Request, res: Response) => {
    if (expected) {
      const [scheme, presented] = (req.headers.authorization ?? "").split(" ");
      // Compare digests: equal length whatever was sent, and no early exit on the first differing byte.
      if (scheme?.toLowerCase() !== "bearer" || !presented || !timingSafeEqual(digest(presented), expected)) {
        res.status(401).set("WWW-Authenticate", 'Bearer realm="metrics"').type("text/plain").send("unauthorized\n");
        return;
      }
    }
    try {
      const started = performance.now();
      const body = await metrics.render();
      log.debug({ ms: Math.round(performance.now() - started) }, "metrics scraped");
      res.status(200).type(metrics.contentType).send(body);
    } catch (error) {
      // Redis or Postgres did not answer: the scrape fails (Prometheus records the target as down).
      log.warn({ err: (error as Error).message }, "metrics scrape failed");
      res.status(503).type("text/plain").send("metrics sources unavailable\n");
    }
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
