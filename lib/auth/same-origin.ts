// Cross-site request protection for the console's mutating routes. Session cookies are SameSite=Lax
// (next-auth's default), so a cross-site form POST carries no session; on top of that every mutation must
// prove it came from our own pages: browsers send `Sec-Fetch-Site` and `Origin` with every POST and a page
// cannot forge either.

import { publicOrigin } from "../public-origin";

/**
 * The origins our own pages are served from: the configured URLs plus the one the request was sent to
 * (lib/public-origin.ts decides that, believing X-Forwarded-* only with `trustProxy`).
 */
export function expectedOrigins(headers: Headers, configured: (string | undefined)[], trustProxy = false): string[] {
  const origins = new Set<string>();
  for (const url of configured) {
    if (!url) continue;
    try {
      origins.add(new URL(url).origin);
    } catch {
      // an invalid configured URL is reported by the env schema, not here
    }
  }
  const reached = publicOrigin(headers, { TRUST_PROXY: trustProxy });
  if (reached) {
    origins.add(reached);
    // Behind a TLS-terminating proxy that sets no x-forwarded-proto, the browser's origin is https.
    origins.add(reached.replace(/^http:/, "https:"));
  }
  return [...origins];
}

/**
 * true when the request comes from one of `origins`. `Sec-Fetch-Site: same-origin` suffices; any other
 * Sec-Fetch-Site value refuses; without it (older browsers, scripts) the Origin header must match.
 */
export function isSameOriginRequest(headers: Headers, origins: string[]): boolean {
  const site = headers.get("sec-fetch-site");
  if (site === "same-origin") return true;
  if (site !== null) return false;
  const origin = headers.get("origin");
  return origin !== null && origins.includes(origin);
}
