import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { ApiError } from "../api/errors";
import type { PrismaClient } from "../db";

// API keys for the public API. A key is `cap_` + 256 random bits (base64url); only its SHA-256 is stored,
// so a database dump leaks no usable key. A plain hash is enough here (unlike passwords): the key has
// 256 bits of entropy, so there is nothing to brute-force, and a fast hash keeps every request cheap.

export const API_KEY_SCOPES = ["jobs", "webhooks"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const KEY_PREFIX = "cap_";
/** `cap_` + 8 characters: enough to tell keys apart in a list, far too little to guess the rest. */
const VISIBLE_PREFIX_LENGTH = KEY_PREFIX.length + 8;
const API_KEY_PATTERN = /^cap_[A-Za-z0-9_-]{43}$/;
/** lastUsedAt is written at most once a minute per key: a busy key must not cost a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const createApiKeySchema = z
  .object({
    name: z.string().trim().min(1, "give the key a name").max(100),
    scopes: z
      .array(z.enum(API_KEY_SCOPES))
      .min(1)
      .default([...API_KEY_SCOPES]),
  })
  .strict();

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  /** The key itself: returned once, never stored. */
  key: string;
}

/** Creates a key; the caller shows `key` once (console or CLI) and it cannot be recovered afterwards. */
export async function createApiKey(
  db: PrismaClient,
  input: unknown,
  createdById: string | null = null,
): Promise<CreatedApiKey> {
  const { name, scopes } = createApiKeySchema.parse(input);
  const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = await db.apiKey.create({
    data: {
      id: `key_${randomBytes(12).toString("base64url")}`,
      name,
      prefix: key.slice(0, VISIBLE_PREFIX_LENGTH),
      keyHash: hashApiKey(key),
      scopes: [...new Set(scopes)],
      createdById,
    },
  });
  return { id: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes, createdAt: row.createdAt, key };
}

export interface AuthenticatedKey {
  id: string;
  name: string;
  scopes: string[];
  requestsPerMinute: number | null;
  maxConcurrentJobs: number | null;
  mediaMinutesPerDay: number | null;
}

/**
 * The key behind an `Authorization: Bearer …` value. Unknown, malformed and revoked keys are one 401: a
 * caller learns nothing about which keys exist.
 */
export async function authenticateApiKey(db: PrismaClient, key: string, now = new Date()): Promise<AuthenticatedKey> {
  const row = API_KEY_PATTERN.test(key) ? await db.apiKey.findUnique({ where: { keyHash: hashApiKey(key) } }) : null;
  if (!row || row.revokedAt) throw new ApiError("INVALID_API_KEY", "The API key is unknown or has been revoked.");
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    requestsPerMinute: row.requestsPerMinute,
    maxConcurrentJobs: row.maxConcurrentJobs,
    mediaMinutesPerDay: row.mediaMinutesPerDay,
  };
}

/** The bearer token of an Authorization header, null when there is none; a malformed header is a 401. */
export function bearerToken(headers: Headers): string | null {
  const value = headers.get("authorization");
  if (value === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  if (!match?.[1]) throw new ApiError("INVALID_API_KEY", "Send the API key as `Authorization: Bearer <key>`.");
  return match[1];
}

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  createdByEmail: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  requestsPerMinute: number | null;
  maxConcurrentJobs: number | null;
  mediaMinutesPerDay: number | null;
  jobCount: number;
}

/** Every key, active ones first, newest first (the console's list). */
export async function listApiKeys(db: PrismaClient): Promise<ApiKeyRow[]> {
  const rows = await db.apiKey.findMany({
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    include: { createdBy: { select: { email: true } }, _count: { select: { jobs: true } } },
  });
  return rows.map(({ keyHash: _hash, createdBy, _count, createdById: _by, ...row }) => ({
    ...row,
    createdByEmail: createdBy?.email ?? null,
    jobCount: _count.jobs,
  }));
}

/** Revokes a key at once; already-revoked keys keep their first revocation time. */
export async function revokeApiKey(db: PrismaClient, id: string, now = new Date()) {
  const row = await db.apiKey.findUnique({ where: { id } });
  if (!row) throw new ApiError("NOT_FOUND", "No API key with this id.");
  if (row.revokedAt) return { id, name: row.name, revokedAt: row.revokedAt, alreadyRevoked: true };
  const updated = await db.apiKey.update({ where: { id }, data: { revokedAt: now } });
  return { id, name: row.name, revokedAt: updated.revokedAt ?? now, alreadyRevoked: false };
}

const limitField = z.number().int().min(0).max(10_000_000).nullable();
/** Per-key limits: a number (0 = unlimited) or null for the env default. */
export const apiKeyLimitsSchema = z
  .object({ requestsPerMinute: limitField, maxConcurrentJobs: limitField, mediaMinutesPerDay: limitField })
  .partial()
  .strict();

/** Sets a key's own limits; fields left out keep their value, null returns to the env default. */
export async function setApiKeyLimits(db: PrismaClient, id: string, input: unknown) {
  const limits = apiKeyLimitsSchema.parse(input);
  const row = await db.apiKey.findUnique({ where: { id } });
  if (!row) throw new ApiError("NOT_FOUND", "No API key with this id.");
  const updated = await db.apiKey.update({ where: { id }, data: limits });
  return {
    id,
    name: updated.name,
    requestsPerMinute: updated.requestsPerMinute,
    maxConcurrentJobs: updated.maxConcurrentJobs,
    mediaMinutesPerDay: updated.mediaMinutesPerDay,
  };
}
