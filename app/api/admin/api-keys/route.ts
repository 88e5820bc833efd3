import { createApiKeyAsAdmin } from "@/lib/admin/api-key-actions";
import { readJson } from "@/lib/api/errors";
import { listApiKeys } from "@/lib/api-keys/api-keys";
import { appServices } from "@/lib/app-services";
import { API_KEY_ADMINS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/admin/api-keys → every key (never the key itself). Admins only. */
export const GET = withRole(API_KEY_ADMINS, async () => {
  return Response.json({ keys: await listApiKeys(appServices().db) }, { headers: { "Cache-Control": "no-store" } });
});

/** POST /api/admin/api-keys { name, scopes? } → 201 with `key`, shown this once. Admins only; audited. */
export const POST = withRole(API_KEY_ADMINS, async (request, _context, user) => {
  const created = await createApiKeyAsAdmin(appServices().db, user, await readJson(request));
  return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
});
