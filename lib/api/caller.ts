import { type ApiKeyScope, type AuthenticatedKey, authenticateApiKey, bearerToken } from "../api-keys/api-keys";
import type { AppServices } from "../app-services";
import { currentStaff, type StaffUser } from "../auth/session";
import { consumeRequestLimit } from "../rate-limit/enforce";
import { clientIp, hashClientIp } from "./client-ip";
import { ApiError } from "./errors";

// Who is calling the public API: an API key (`Authorization: Bearer …`), a signed-in console user (the
// upload page sends the session cookie), or an anonymous client known only by a keyed hash of its IP.

export type Caller =
  | { kind: "key"; key: AuthenticatedKey }
  | { kind: "user"; user: StaffUser }
  | { kind: "anonymous"; ip: string; ipHash: string };

type Services = Pick<AppServices, "db" | "env">;

/** The API key the request carries, null without one; a key that is sent must be valid (401 otherwise). */
export async function optionalApiKey(services: Services, request: Request): Promise<AuthenticatedKey | null> {
  const token = bearerToken(request.headers);
  return token === null ? null : authenticateApiKey(services.db, token);
}

/** Identifies the caller: a key if one is sent (and valid), else a console session, else the client IP. */
export async function identifyCaller(services: Services, request: Request): Promise<Caller> {
  const key = await optionalApiKey(services, request);
  if (key) return { kind: "key", key };
  const user = await currentStaff();
  if (user) return { kind: "user", user };
  const ip = clientIp(request.headers, services.env.TRUST_PROXY);
  return { kind: "anonymous", ip, ipHash: hashClientIp(ip, ipHashSecret(services.env)) };
}

/** The server secret the IP hash is keyed with: stable across restarts, never sent anywhere. */
function ipHashSecret(env: Services["env"]): string {
  return env.NEXTAUTH_SECRET ?? env.STORAGE_SIGNING_SECRET ?? "captioner-ip-hash";
}

/**
 * Refuses a caller that may not submit videos under PUBLIC_SUBMISSIONS: `off` refuses everyone, `key`
 * refuses anonymous callers; a key needs the `jobs` scope.
 */
export function assertMaySubmit(caller: Caller, mode: Services["env"]["PUBLIC_SUBMISSIONS"]): void {
  if (mode === "off") throw new ApiError("SUBMISSIONS_DISABLED", "This server does not accept new videos.");
  if (mode === "key" && caller.kind === "anonymous") {
    throw new ApiError(
      "API_KEY_REQUIRED",
      "This server accepts videos only with an API key (Authorization: Bearer <key>) or a console sign-in.",
    );
  }
  assertScope(caller, "jobs");
}

/** A key without `scope` is refused (403); console users and anonymous callers have no scopes to check. */
export function assertScope(caller: Caller, scope: ApiKeyScope): void {
  if (caller.kind === "key" && !caller.key.scopes.includes(scope)) {
    throw new ApiError("INSUFFICIENT_SCOPE", `This API key lacks the "${scope}" scope.`);
  }
}

/** The Job columns that record who submitted it. */
export function submitterColumns(caller: Caller) {
  return {
    apiKeyId: caller.kind === "key" ? caller.key.id : null,
    submittedByUserId: caller.kind === "user" ? caller.user.id : null,
    submitterIpHash: caller.kind === "anonymous" ? caller.ipHash : null,
  };
}

/**
 * The gate of upload and process: who is calling, may they submit, and is this request within their
 * per-minute limit. Returns the caller and the RateLimit-* headers for the response (429 when over).
 */
export async function admitSubmitter(
  services: Services & Pick<AppServices, "redis">,
  request: Request,
): Promise<{ caller: Caller; rateLimitHeaders: Record<string, string> }> {
  const caller = await identifyCaller(services, request);
  assertMaySubmit(caller, services.env.PUBLIC_SUBMISSIONS);
  return { caller, rateLimitHeaders: await consumeRequestLimit(services, caller) };
}
