import { replayDelivery } from "@/lib/admin/webhook-console";
import { appServices } from "@/lib/app-services";
import { API_KEY_ADMINS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/admin/webhooks/deliveries/:id/replay → 200 { id, status: "pending", run }. Admins only; audited. */
export const POST = withRole(API_KEY_ADMINS, async (_request, context: { params: Promise<{ id: string }> }, user) => {
  const { id } = await context.params;
  return Response.json(await replayDelivery(appServices(), user, id));
});
