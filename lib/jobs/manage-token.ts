import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

// The submitter's key to a job: returned once by POST /api/video/process, kept by the client, sent as
// `Authorization: Bearer <token>` to edit the captions. Only its sha256 is stored: a database leak
// gives no one edit rights. 256 random bits make a slow hash unnecessary.

const PREFIX = "mt_";

export function newManageToken(): { token: string; hash: string } {
  const token = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashManageToken(token) };
}

export function hashManageToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The bearer token of an Authorization header, or null when there is none. */
export function bearerToken(headers: Headers): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

/** Compares in constant time, so response timing says nothing about how much of a guess was right. */
export function manageTokenMatches(storedHash: string | null, token: string): boolean {
  if (!storedHash) return false;
  const given = Buffer.from(hashManageToken(token), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}
