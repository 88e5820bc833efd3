import { admitSubmitter } from "@/lib/api/caller";
import { readJson, withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { createProcessJob } from "@/lib/video/process";

export const runtime = "nodejs";

/** POST /api/video/process { key, language?, burnIn? } (+ optional Idempotency-Key) → 202 the queued job. */
export const POST = withApiErrors(async (request: Request) => {
  const services = appServices();
  const { caller, rateLimitHeaders } = await admitSubmitter(services, request);
  const body = await readJson(request);
  const { replayed, ...job } = await createProcessJob(services, body, request.headers.get("idempotency-key"), caller);
  return Response.json(job, {
    status: 202,
    headers: { ...rateLimitHeaders, Location: job.statusUrl, ...(replayed ? { "Idempotent-Replayed": "true" } : {}) },
  });
});
