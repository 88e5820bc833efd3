import { forbidden, redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { cache } from "react";
import { ApiError, errorResponse, withApiErrors } from "../api/errors";
import { db } from "../db";
import { appEnv } from "../env/app-env";
import { authOptions } from "./auth-options";
import { roleAllows, type StaffRole } from "./roles";
import { expectedOrigins, isSameOriginRequest } from "./same-origin";
import { findSessionUser, type StaffUser } from "./users";

export type { StaffUser } from "./users";

/**
 * The signed-in staff member, read fresh from the User table: the session only says who it is, the
 * database says what they may do, so a changed role, a deleted account, a sign-out or a password change
 * takes effect at the next request rather than when the 12 h session expires. Cached per request (a
 * layout and a page both ask).
 */
export const currentStaff = cache(async (): Promise<StaffUser | null> => {
  const session = await getServerSession(authOptions());
  const id = session?.user?.id;
  if (!id) return null;
  return findSessionUser(db(), { userId: id, sessionVersion: session.user.sessionVersion });
});

/**
 * For server components: the staff member if their role is in `roles`. No session → redirect to sign-in
 * (back to `from` afterwards); a role outside `roles` → the 403 page (`forbidden.tsx`, HTTP 403).
 */
export async function requireRole(roles: readonly StaffRole[], from = "/admin"): Promise<StaffUser> {
  const user = await currentStaff();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(from)}`);
  if (!roleAllows(roles, user.role)) forbidden();
  return user;
}

type RoleHandler<C> = (request: Request, context: C, user: StaffUser) => Promise<Response>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * For route handlers: 401 without a session, 403 FORBIDDEN for a role outside `roles`, 403 CSRF for a
 * mutation that did not come from our own pages; otherwise runs `handler` with the staff member.
 * Errors leave in the public shape (withApiErrors).
 */
export function withRole<C>(roles: readonly StaffRole[], handler: RoleHandler<C>) {
  return withApiErrors<C>(async (request, context) => {
    const user = await currentStaff();
    if (!user) throw new ApiError("UNAUTHORIZED", "Sign in to use the admin API.");
    if (!roleAllows(roles, user.role)) {
      throw new ApiError("FORBIDDEN", `The ${user.role} role is not allowed to do this.`);
    }
    if (!SAFE_METHODS.has(request.method)) {
      const env = appEnv();
      const origins = expectedOrigins(request.headers, [env.APP_URL, env.NEXTAUTH_URL], env.TRUST_PROXY);
      if (!isSameOriginRequest(request.headers, origins)) {
        return errorResponse(403, "CSRF", "Cross-site request refused: send it from the admin console.");
      }
    }
    return handler(request, context, user);
  });
}
