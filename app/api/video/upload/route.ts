import { admitSubmitter } from "@/lib/api/caller";
import { readJson, withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { publicOrigin } from "@/lib/public-origin";
import { createUpload } from "@/lib/video/upload";

export const runtime = "nodejs";

/** POST /api/video/upload { filename, contentType, size } → 201 a signed PUT URL for the file. */
export const POST = withApiErrors(async (request: Request) => {
  const services = appServices();
  const { rateLimitHeaders } = await admitSubmitter(services, request);
  const body = await readJson(request);
  const ticket = await createUpload(services, body, publicOrigin(request.headers, services.env));
  return Response.json(ticket, { status: 201, headers: rateLimitHeaders });
});
