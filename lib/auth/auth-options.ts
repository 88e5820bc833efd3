import type { AuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { clientIp } from "../api/client-ip";
import { appServices } from "../app-services";
import { db } from "../db";
import { appEnv } from "../env/app-env";
import { logger } from "../logger";
import { whenReady } from "../redis";
import { TIMEOUTS } from "../timeouts";
import { isStaffRole, type StaffRole } from "./roles";
import { SignInThrottled } from "./sign-in-throttle";
import { appSignInThrottle } from "./staff-accounts";
import { checkCredentials, endSessions } from "./users";

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name: string | null; role: StaffRole; sessionVersion: number };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** A string, not StaffRole: a decoded token is outside data, checked with isStaffRole where it is used. */
    role?: string;
    /** The user's sessionVersion at sign-in; the server refuses the token once the row's version moved on. */
    sessionVersion?: number;
  }
}

/** The error code the sign-in form gets when the check itself failed (e.g. the database is down). */
export const SIGN_IN_UNAVAILABLE = "SignInUnavailable";
/** The error code (`SignInThrottled:<seconds>`) the sign-in form gets during a cool-down. */
export const SIGN_IN_THROTTLED = "SignInThrottled";

/** Staff sessions last a working day; after that, sign in again. */
const SESSION_MAX_AGE_SEC = 12 * 3600;

let cached: AuthOptions | undefined;

/**
 * next-auth's configuration: email + password against the User table, JWT sessions carrying the role.
 * The session cookie is next-auth's standard encrypted JWT (`next-auth.session-token`, `__Secure-` on
 * https), so the Bull Board server decodes the same cookie with `next-auth/jwt` and NEXTAUTH_SECRET.
 * Built on first use: the environment is read at run time, never during `next build`.
 */
export function authOptions(): AuthOptions {
  if (cached) return cached;
  const env = appEnv();
  cached = {
    // Undefined only in development, where next-auth derives a throwaway secret (app-env requires it elsewhere).
    secret: env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SEC },
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials, req) {
          const email = credentials?.email ?? "";
          const password = credentials?.password ?? "";
          if (!email || !password) return null;
          const services = appServices();
          const { redis } = services;
          const throttle = appSignInThrottle(services);
          const address = clientIp(req.headers ?? {}, env.TRUST_PROXY);
          let user: Awaited<ReturnType<typeof checkCredentials>>;
          try {
            await whenReady(redis, TIMEOUTS.healthCheckMs);
            await throttle.begin(email, address);
            user = await checkCredentials(db(), email, password);
            if (user) await throttle.succeeded(email, address);
          } catch (error) {
            if (error instanceof SignInThrottled) {
              logger.warn({ email, address, retryAfterSec: error.retryAfterSec }, "sign-in refused: cooling down");
              // next-auth hands the thrown message to the sign-in form as its error code.
              throw new Error(`${SIGN_IN_THROTTLED}:${error.retryAfterSec}`);
            }
            // next-auth would put the thrown message (a Prisma error naming tables) in the redirect URL.
            logger.error({ err: error }, "sign-in check failed");
            throw new Error(SIGN_IN_UNAVAILABLE);
          }
          // The email is logged for both outcomes (who tried), the password never.
          if (!user) logger.warn({ email, address }, "sign-in refused");
          else logger.info({ email, role: user.role }, "signed in");
          return user
            ? { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion }
            : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        // `user` is set only at sign-in: copy what the session (and the Bull Board server) reads.
        if (user) {
          const role = (user as { role?: unknown }).role;
          token.sub = user.id;
          token.email = user.email;
          token.name = user.name;
          token.role = isStaffRole(role) ? role : undefined;
          token.sessionVersion = Number((user as { sessionVersion?: unknown }).sessionVersion ?? 0);
        }
        return token;
      },
      session({ session, token }) {
        session.user = {
          id: token.sub ?? "",
          email: token.email ?? "",
          name: token.name ?? null,
          // The server re-reads the role from the User table (lib/auth/session.ts); this copy is for display.
          role: (isStaffRole(token.role) ? token.role : undefined) as StaffRole,
          sessionVersion: token.sessionVersion ?? 0,
        };
        return session;
      },
    },
    events: {
      // Signing out ends the user's sessions everywhere: a copied cookie stops working with the one signed out.
      async signOut({ token }) {
        if (token?.sub) await endSessions(db(), token.sub);
      },
    },
  };
  return cached;
}
