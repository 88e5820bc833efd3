import { retryFailedJobs } from "@/lib/admin/job-actions";
import { parseJobFilter } from "@/lib/admin/job-filters";
import { appServices } from "@/lib/app-services";
import { JOB_ADMINS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/admin/jobs/retry-failed?<the job list's filter> → 200 { matched, retried, skipped, limit, capped }
 * (admin). Retries the failed jobs the list shows with the same query, oldest first, up to the limit.
 */
export const POST = withRole(JOB_ADMINS, async (request, _context: unknown, user) => {
  const filter = parseJobFilter(new URL(request.url).searchParams);
  return Response.json(await retryFailedJobs(appServices(), user, filter));
});
