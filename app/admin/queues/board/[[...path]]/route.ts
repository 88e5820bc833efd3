import { appEnv } from "@/lib/env/app-env";
import { publicOrigin } from "@/lib/public-origin";
import { forwardToDashboard } from "@/lib/queue-board/proxy";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * /admin/queues/board/** → the dashboard process (DASHBOARD_URL), resolved per request. The dashboard
 * checks the session and role itself on every request, so nothing is decided here.
 */
function forward(request: Request): Promise<Response> {
  const env = appEnv();
  return forwardToDashboard(request, env.DASHBOARD_URL, publicOrigin(request.headers, env));
}

export { forward as DELETE, forward as GET, forward as PATCH, forward as POST, forward as PUT };
