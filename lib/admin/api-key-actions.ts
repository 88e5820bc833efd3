import { type CreatedApiKey, createApiKey, revokeApiKey, setApiKeyLimits } from "../api-keys/api-keys";
import type { PrismaClient } from "../db";
import type { Actor } from "./job-actions";

// The console's API-key actions; each leaves an AuditLog row (who, what, when). The key itself never
// reaches the audit log or any log: only its id, name and visible prefix do.

export const API_KEY_AUDIT = {
  create: "api_key.create",
  revoke: "api_key.revoke",
  limits: "api_key.limits",
} as const;

/** Creates a key on behalf of an admin; the answer holds the key, to be shown once. */
export async function createApiKeyAsAdmin(db: PrismaClient, actor: Actor, input: unknown): Promise<CreatedApiKey> {
  const created = await createApiKey(db, input, actor.id);
  await db.auditLog.create({
    data: {
      userId: actor.id,
      userEmail: actor.email,
      action: API_KEY_AUDIT.create,
      data: { via: "console", keyId: created.id, name: created.name, prefix: created.prefix, scopes: created.scopes },
    },
  });
  return created;
}

export async function revokeApiKeyAsAdmin(db: PrismaClient, actor: Actor, id: string) {
  const result = await revokeApiKey(db, id);
  if (!result.alreadyRevoked) {
    await db.auditLog.create({
      data: {
        userId: actor.id,
        userEmail: actor.email,
        action: API_KEY_AUDIT.revoke,
        data: { via: "console", keyId: id, name: result.name },
      },
    });
  }
  return result;
}

/** Sets a key's own rate limits and quotas (null = the env default); the old and new values are audited. */
export async function setApiKeyLimitsAsAdmin(db: PrismaClient, actor: Actor, id: string, input: unknown) {
  const before = await db.apiKey.findUnique({
    where: { id },
    select: { requestsPerMinute: true, maxConcurrentJobs: true, mediaMinutesPerDay: true },
  });
  const result = await setApiKeyLimits(db, id, input);
  await db.auditLog.create({
    data: {
      userId: actor.id,
      userEmail: actor.email,
      action: API_KEY_AUDIT.limits,
      data: {
        via: "console",
        keyId: id,
        name: result.name,
        previous: before,
        limits: {
          requestsPerMinute: result.requestsPerMinute,
          maxConcurrentJobs: result.maxConcurrentJobs,
          mediaMinutesPerDay: result.mediaMinutesPerDay,
        },
      },
    },
  });
  return result;
}
