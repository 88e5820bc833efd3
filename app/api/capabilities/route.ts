import { withApiErrors } from "@/lib/api/errors";
import { configuredCapabilities } from "@/lib/asr/capabilities";
import { appEnv } from "@/lib/env/app-env";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/capabilities → what the configured speech recogniser can do (languages, detection, timing). */
export const GET = withApiErrors(async () => {
  return Response.json(configuredCapabilities(appEnv()), { headers: { "Cache-Control": "no-store" } });
});
