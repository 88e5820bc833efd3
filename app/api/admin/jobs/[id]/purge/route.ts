import { purgeJob } from "@/lib/admin/job-actions";
import { appServices } from "@/lib/app-services";
import { JOB_ADMINS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/admin/jobs/:id/purge → 200 { id, status: "expired", filesDeleted } (admin; finished jobs). */
export const POST = withRole(JOB_ADMINS, async (_request, context: { params: Promise<{ id: string }> }, user) => {
  const { id } = await context.params;
  return Response.json(await purgeJob(appServices(), user, id));
});
