import { readJson, withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { COMPLETE_BODY_LIMIT_BYTES, completeMultipartUpload } from "@/lib/video/multipart-upload";

export const runtime = "nodejs";

/** POST /api/video/upload/{uploadId}/complete { parts: [{ partNumber, etag }] } → 200 { key, size, status }. */
export const POST = withApiErrors(async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params;
  const body = await readJson(request, COMPLETE_BODY_LIMIT_BYTES);
  return Response.json(await completeMultipartUpload(appServices(), id, body));
});
