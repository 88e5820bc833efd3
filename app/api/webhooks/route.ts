import { readJson, withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { listWebhooks, registerWebhook, webhookKey } from "@/lib/webhooks/endpoints";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/webhooks { url, events? } (API key) → 201 { id, url, events, secret, … }: the secret is shown once. */
export const POST = withApiErrors(async (request: Request) => {
  const services = appServices();
  const key = await webhookKey(services, request);
  const endpoint = await registerWebhook(services, key, await readJson(request));
  return Response.json(endpoint, { status: 201, headers: { "Cache-Control": "no-store" } });
});

/** GET /api/webhooks (API key) → { data: [...] } the key's endpoints, without secrets. */
export const GET = withApiErrors(async (request: Request) => {
  const services = appServices();
  const key = await webhookKey(services, request);
  return Response.json({ data: await listWebhooks(services, key) }, { headers: { "Cache-Control": "no-store" } });
});
