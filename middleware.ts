import { NextResponse } from "next/server";
import { type NextRequestWithAuth, withAuth } from "next-auth/middleware";
import { isStaffRole } from "./lib/auth/roles";

// First gate only: it turns away requests without a staff session early. Every admin page, route and
// action checks the role again on the server (lib/auth/session.ts), against the User table.

function isApi(request: NextRequestWithAuth): boolean {
  return request.nextUrl.pathname.startsWith("/api/");
}

export default withAuth(
  (request: NextRequestWithAuth) => {
    // Pages without a staff session never get here (withAuth redirects them to sign-in); API calls do,
    // and get JSON instead of a redirect a script could not follow.
    const token = request.nextauth.token;
    if (isApi(request) && !isStaffRole(token?.role)) {
      const [status, code, message] = token
        ? [403, "FORBIDDEN", "Your account has no staff role."]
        : [401, "UNAUTHORIZED", "Sign in to use the admin API."];
      return NextResponse.json({ error: { code, message } }, { status });
    }
    return NextResponse.next();
  },
  {
    pages: { signIn: "/signin" },
    callbacks: { authorized: ({ req, token }) => isStaffRole(token?.role) || req.nextUrl.pathname.startsWith("/api/") },
  },
);

export const config = { matcher: ["/admin/:path*", "/api/admin/:path*"] };
