import { revokeApiKeyAsAdmin } from "@/lib/admin/api-key-actions";
import { appServices } from "@/lib/app-services";
import { API_KEY_ADMINS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/admin/api-keys/:id/revoke → 200 { id, revokedAt }: the key stops working at once. Admins only. */
export const POST = withRole(API_KEY_ADMINS, async (_request, context: { params: Promise<{ id: string }> }, user) => {
  const { id } = await context.params;
  return Response.json(await revokeApiKeyAsAdmin(appServices().db, user, id));
});
