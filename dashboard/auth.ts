import type { NextFunction, Request, RequestHandler, Response } from "express";
import { expectedOrigins, isSameOriginRequest } from "../lib/auth/same-origin";
import { findSessionUser } from "../lib/auth/users";
import type { PrismaClient } from "../lib/db";
import { parseCookieHeader, type QueueBoardAccess, queueBoardAccess, readStaffSession } from "../lib/queue-board";

// The dashboard trusts nobody in front of it (the app's proxy is deliberately dumb): every board request
// carries the console's next-auth session cookie, decrypted here with NEXTAUTH_SECRET. As in the console
// (lib/auth/session.ts), the cookie says who it is and the User table says what they may do, so a changed
// role or a deleted account takes effect at the next request.

export interface BoardCaller {
  userId: string;
  email: string;
  role: string;
  access: Exclude<QueueBoardAccess, "none">;
}

/** Methods that read; anything else is a write (Bull Board writes with PUT, POST, PATCH). */
const READ_METHODS = new Set(["GET", "HEAD"]);

/** The caller that requireBoardSession attached to this response. */
export function boardCaller(res: Response): BoardCaller {
  const caller = res.locals.boardCaller as BoardCaller | undefined;
  if (!caller) throw new Error("requireBoardSession must run before this handler");
  return caller;
}

/** No or invalid session (a deleted account, a session signed out) → 401; a role without board access (support) → 403. */
export function requireBoardSession(secret: string, db: PrismaClient): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const session = await readStaffSession(parseCookieHeader(req.headers.cookie), secret);
    // null too for a session ended since (sign-out, password change): its sessionVersion is behind the row's.
    const user = session ? await findSessionUser(db, session) : null;
    if (!user) {
      refuse(res, 401, "UNAUTHORIZED", "Sign in to the admin console to see the queue board.");
      return;
    }
    const access = queueBoardAccess(user.role);
    if (access === "none") {
      refuse(res, 403, "FORBIDDEN", `The ${user.role} role cannot see the queue board.`);
      return;
    }
    res.locals.boardCaller = { userId: user.id, email: user.email, role: user.role, access } satisfies BoardCaller;
    next();
  };
}

/**
 * Read-only callers (ops) may only read. Bull Board's read-only instance refuses queue actions too;
 * this refuses every write before any Bull Board code runs, routes it does not guard included.
 */
export function refuseReadOnlyWrites(req: Request, res: Response, next: NextFunction): void {
  if (boardCaller(res).access === "read-only" && !READ_METHODS.has(req.method)) {
    refuse(res, 403, "FORBIDDEN", "The queue board is read-only for your role.");
    return;
  }
  next();
}

/**
 * The same cross-site check as the console's routes (lib/auth/same-origin.ts): a write must carry
 * `Sec-Fetch-Site: same-origin` or, from clients that do not send it, an `Origin` of the page the board is
 * served on. That origin is the one the browser sees: the app's proxy passes it as X-Forwarded-Host/-Proto,
 * believed here (trustProxy) because the proxy in front of the dashboard is our own app and a browser cannot
 * set those headers on a cross-site request; on the dashboard's own port it is the Host.
 */
export function refuseCrossSiteWrites(req: Request, res: Response, next: NextFunction): void {
  if (READ_METHODS.has(req.method)) {
    next();
    return;
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  if (!isSameOriginRequest(headers, expectedOrigins(headers, [], true))) {
    refuse(res, 403, "CSRF", "Cross-site request refused: use the queue board in the admin console.");
    return;
  }
  next();
}

export function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}
