import { thumbnailResponse } from "@/lib/admin/job-thumbnail";
import { appServices } from "@/lib/app-services";
import { CONSOLE_READERS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/admin/jobs/:id/thumbnail → the JPEG frame the worker captured (any console role); 404 without one. */
export const GET = withRole(CONSOLE_READERS, async (request, context: { params: Promise<{ id: string }> }) => {
  const { id } = await context.params;
  return thumbnailResponse(appServices(), id, request);
});
