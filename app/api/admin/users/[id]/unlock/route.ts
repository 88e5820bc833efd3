import { appServices } from "@/lib/app-services";
import { ACCOUNT_ADMINS } from "@/lib/auth/roles";
import { withRole } from "@/lib/auth/session";
import { unlockStaffAccount } from "@/lib/auth/staff-accounts";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/admin/users/:id/unlock → 200 { email, wasLockedForSec } (admin): lifts a sign-in cool-down. */
export const POST = withRole(ACCOUNT_ADMINS, async (_request, context: { params: Promise<{ id: string }> }, user) => {
  const { id } = await context.params;
  return Response.json(await unlockStaffAccount(appServices(), user, id));
});
