import { withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { deleteWebhook, webhookKey } from "@/lib/webhooks/endpoints";

export const runtime = "nodejs";

/** DELETE /api/webhooks/:id (API key) → 204; 404 for an endpoint of another key or none. */
export const DELETE = withApiErrors(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const services = appServices();
  const key = await webhookKey(services, request);
  await deleteWebhook(services, key, (await context.params).id);
  return new Response(null, { status: 204 });
});
