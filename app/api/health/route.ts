import { withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { checkHealth } from "@/lib/health";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/health → 200 when Postgres and Redis answer, 503 naming what is down. */
export const GET = withApiErrors(async () => {
  const { db, redis } = appServices();
  const report = await checkHealth(db, redis);
  const down = Object.entries(report.checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name);
  const body = report.ok
    ? { status: "ok", checks: report.checks }
    : {
        status: "unavailable",
        down,
        checks: report.checks,
        error: { code: "SERVICE_UNAVAILABLE", message: `Unavailable: ${down.join(", ")}.` },
      };
  return Response.json(body, { status: report.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
});
