import { appEnv } from "@/lib/env/app-env";
import { forwardToDashboard } from "@/lib/queue-board/proxy";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * /admin/queues/board/** → the dashboard process (DASHBOARD_URL), resolved per request. The dashboard
 * checks the session and role itself on every request, so nothing is decided here.
 */
function forward(request: Request): Promise<Response> {
  return forwardToDashboard(request, appEnv().DASHBOARD_URL);
}

export { forward as DELETE, forward as GET, forward as PATCH, forward as POST, forward as PUT };
