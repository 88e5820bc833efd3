import { setApiKeyLimitsAsAdmin } from "@/lib/admin/api-key-actions";
import { readJson } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { API_KEY_ADMINS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/admin/api-keys/:id/limits { requestsPerMinute?, maxConcurrentJobs?, mediaMinutesPerDay? }
 * → 200 the key's limits (a number, 0 = unlimited, or null = the env default). Admins only; audited.
 */
export const POST = withRole(API_KEY_ADMINS, async (request, context: { params: Promise<{ id: string }> }, user) => {
  const { id } = await context.params;
  return Response.json(await setApiKeyLimitsAsAdmin(appServices().db, user, id, await readJson(request)));
});
