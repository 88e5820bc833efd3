import { getToken } from "next-auth/jwt";
import { z } from "zod";

// The console's session, read from its next-auth cookie without next-auth's request plumbing, so an
// express server (the dashboard) and a Next page can both check it. next-auth v4 JWT sessions are an
// encrypted token (JWE, key derived from NEXTAUTH_SECRET): a cookie that decrypts is a session we issued.

/** next-auth's cookie names: `__Secure-` on https, plain on http. Large tokens are split into `.0`, `.1`… */
export const SESSION_COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

const sessionPayload = z.object({
  sub: z.string().min(1),
  email: z.string().min(1),
  name: z.string().nullish(),
  role: z.string().min(1),
  // Tokens issued before session versions existed carry none: version 0, what every account started at.
  sessionVersion: z.number().int().nonnegative().default(0),
});

export interface StaffSession {
  userId: string;
  email: string;
  name: string | null;
  role: string;
  sessionVersion: number;
}

/**
 * The signed-in staff member, or null when there is no cookie, it does not decrypt with `secret`, it has
 * expired, or it lacks the fields the console's sign-in puts there. Either cookie name is accepted: the
 * dashboard cannot tell whether the browser spoke https to the app, and both need the secret to forge.
 */
export async function readStaffSession(
  cookies: Record<string, string | undefined>,
  secret: string,
): Promise<StaffSession | null> {
  for (const cookieName of SESSION_COOKIE_NAMES) {
    const present = Object.keys(cookies).some((name) => name.startsWith(cookieName));
    if (!present) continue;
    // getToken joins chunked cookies, decrypts, checks `exp`, and answers null on any failure.
    const token = await getToken({ req: { cookies, headers: {} } as never, secret, cookieName });
    const payload = sessionPayload.safeParse(token);
    if (payload.success) {
      const { sub, email, name, role, sessionVersion } = payload.data;
      return { userId: sub, email, name: name ?? null, role, sessionVersion };
    }
  }
  return null;
}

/** Parses a Cookie header into name → value (first value wins, as browsers send the most specific first). */
export function parseCookieHeader(header: string | null | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in cookies) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      cookies[name] = decodeURIComponent(value);
    } catch {
      cookies[name] = value;
    }
  }
  return cookies;
}
