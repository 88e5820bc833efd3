import { readJson, withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { createProcessJob } from "@/lib/video/process";

export const runtime = "nodejs";

/** POST /api/video/process { key, language?, burnIn? } (+ optional Idempotency-Key) → 202 the queued job. */
export const POST = withApiErrors(async (request: Request) => {
  const body = await readJson(request);
  const { replayed, ...job } = await createProcessJob(appServices(), body, request.headers.get("idempotency-key"));
  return Response.json(job, {
    status: 202,
    headers: { Location: job.statusUrl, ...(replayed ? { "Idempotent-Replayed": "true" } : {}) },
  });
});
