import { type NextFetchEvent, type NextRequest, NextResponse } from "next/server";
import { type NextRequestWithAuth, withAuth } from "next-auth/middleware";
import { isStaffRole } from "./lib/auth/roles";
import { appEnv } from "./lib/env/app-env";
import { contentSecurityPolicy, newNonce, strictTransportSecurity } from "./lib/page-security";

// Two jobs. For the console it is the first gate only: it turns away requests without a staff session
// early; every admin page, route and action checks the role again on the server (lib/auth/session.ts),
// against the User table. For every HTML page it sets a Content-Security-Policy with a fresh nonce (and
// HSTS over https): see lib/page-security.ts.

const STAFF_ONLY = /^\/(api\/)?admin(\/|$)/;
/** The proxied queue board serves its own HTML and scripts (Bull Board's); the dashboard answers for them. */
const QUEUE_BOARD = /^\/admin\/queues\/board(\/|$)/;

function isApi(request: NextRequest): boolean {
  return request.nextUrl.pathname.startsWith("/api/");
}

/** Lets the request through; a page gets its nonce (request header, read by Next) and its policy. */
function proceed(request: NextRequest): NextResponse {
  if (isApi(request) || QUEUE_BOARD.test(request.nextUrl.pathname)) return NextResponse.next();
  const env = appEnv();
  const nonce = newNonce();
  const policy = contentSecurityPolicy(nonce, env);
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  const hsts = strictTransportSecurity(request.headers, env);
  if (hsts) response.headers.set("strict-transport-security", hsts);
  return response;
}

const staffGate = withAuth(
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
    return proceed(request);
  },
  {
    pages: { signIn: "/signin" },
    callbacks: { authorized: ({ req, token }) => isStaffRole(token?.role) || req.nextUrl.pathname.startsWith("/api/") },
  },
);

export default function middleware(request: NextRequest, event: NextFetchEvent) {
  if (STAFF_ONLY.test(request.nextUrl.pathname)) return staffGate(request as NextRequestWithAuth, event);
  return proceed(request);
}

// Pages and the console's API. The public API stays out: uploads stream through it, and a middleware
// would buffer their bodies. The Node.js runtime: the policy comes from the app's validated env (lib/env).
export const config = {
  runtime: "nodejs",
  matcher: ["/((?!api/|_next/static|_next/image|icon.svg|favicon.ico).*)", "/api/admin/:path*"],
};
