import { withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { publicOrigin } from "@/lib/public-origin";
import { abortMultipartUpload, getMultipartUpload } from "@/lib/video/multipart-upload";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** GET /api/video/upload/{uploadId} → the parts already stored and fresh URLs for the rest (resume). */
export const GET = withApiErrors(async (request: Request, { params }: Context) => {
  const { id } = await params;
  const services = appServices();
  return Response.json(await getMultipartUpload(services, id, publicOrigin(request.headers, services.env)));
});

/** DELETE /api/video/upload/{uploadId} (the plan's abortUrl) → 204, the parts are freed. */
export const DELETE = withApiErrors(async (_request: Request, { params }: Context) => {
  const { id } = await params;
  await abortMultipartUpload(appServices(), id);
  return new Response(null, { status: 204 });
});
