import { optionalApiKey } from "@/lib/api/caller";
import { withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { publicOrigin } from "@/lib/public-origin";
import { getPublicJob } from "@/lib/video/job-status";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/video/job/:id → the job's status, progress, public error and download URLs. */
export const GET = withApiErrors(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await context.params;
  const services = appServices();
  // The job id is the capability; a key is optional here, but one that is sent must be valid.
  await optionalApiKey(services, request);
  const job = await getPublicJob(services, id, publicOrigin(request.headers, services.env));
  return Response.json(job, { headers: { "Cache-Control": "no-store" } });
});
