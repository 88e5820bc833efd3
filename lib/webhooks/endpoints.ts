import { randomBytes } from "node:crypto";
import { z } from "zod";
import { type Caller, identifyCaller } from "../api/caller";
import { ApiError } from "../api/errors";
import type { AuthenticatedKey } from "../api-keys/api-keys";
import type { AppServices } from "../app-services";
import { DEFAULT_WEBHOOK_EVENTS, WEBHOOK_EVENTS } from "./contract";
import { assertPublicTarget, WebhookTargetError } from "./target-guard";

// The public webhook API: an API key registers, lists and deletes its own endpoints.

/** Enough for staging + production + a few integrations; keeps one key's fan-out bounded. */
export const MAX_ENDPOINTS_PER_KEY = 10;

export const registerWebhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048),
    events: z
      .array(z.enum(WEBHOOK_EVENTS))
      .min(1)
      .default([...DEFAULT_WEBHOOK_EVENTS]),
  })
  .strict();

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    createdAt: z.string().describe("ISO 8601 date-time"),
    disabled: z.boolean(),
    disabledReason: z.string().nullable(),
  })
  .meta({ id: "WebhookEndpoint" });
export type PublicWebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/** The answer of POST /api/webhooks: the endpoint and its signing secret, shown only this once. */
export const createdWebhookSchema = webhookEndpointSchema
  .extend({ secret: z.string().describe("whsec_ + base64: verify deliveries with it (Standard Webhooks).") })
  .meta({ id: "CreatedWebhookEndpoint" });

type Services = Pick<AppServices, "db" | "env">;

/** The key behind a webhook call: webhooks belong to keys, so a key with the `webhooks` scope is required. */
export async function webhookKey(services: Services, request: Request): Promise<AuthenticatedKey> {
  const caller: Caller = await identifyCaller(services, request);
  if (caller.kind !== "key") {
    throw new ApiError("API_KEY_REQUIRED", "Webhooks belong to an API key: send Authorization: Bearer <key>.");
  }
  if (!caller.key.scopes.includes("webhooks")) {
    throw new ApiError("INSUFFICIENT_SCOPE", 'This API key lacks the "webhooks" scope.');
  }
  return caller.key;
}

function toPublic(row: {
  id: string;
  url: string;
  events: string[];
  createdAt: Date;
  disabledAt: Date | null;
  disabledReason: string | null;
}): PublicWebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events as PublicWebhookEndpoint["events"],
    createdAt: row.createdAt.toISOString(),
    disabled: row.disabledAt !== null,
    disabledReason: row.disabledReason,
  };
}

/** Registers an endpoint; the answer carries its `whsec_` secret, shown this once. */
export async function registerWebhook(services: Services, key: AuthenticatedKey, body: unknown) {
  const input = registerWebhookSchema.parse(body);
  try {
    await assertPublicTarget(new URL(input.url), services.env.WEBHOOK_ALLOW_PRIVATE);
  } catch (error) {
    if (error instanceof WebhookTargetError) throw new ApiError("VALIDATION_ERROR", `url: ${error.message}.`);
    throw error;
  }
  const count = await services.db.webhookEndpoint.count({ where: { apiKeyId: key.id } });
  if (count >= MAX_ENDPOINTS_PER_KEY) {
    throw new ApiError("CONFLICT", `An API key can have at most ${MAX_ENDPOINTS_PER_KEY} webhook endpoints.`);
  }
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const row = await services.db.webhookEndpoint.create({
    data: {
      id: `wh_${randomBytes(12).toString("base64url")}`,
      apiKeyId: key.id,
      url: input.url,
      events: [...new Set(input.events)],
      secret,
    },
  });
  return { ...toPublic(row), secret };
}

export async function listWebhooks(services: Services, key: AuthenticatedKey): Promise<PublicWebhookEndpoint[]> {
  const rows = await services.db.webhookEndpoint.findMany({
    where: { apiKeyId: key.id },
    orderBy: { createdAt: "asc" },
  });
  return rows.map(toPublic);
}

/** Deletes one of the key's endpoints (and its delivery log); another key's endpoint is a 404. */
export async function deleteWebhook(services: Services, key: AuthenticatedKey, id: string): Promise<void> {
  const deleted = await services.db.webhookEndpoint.deleteMany({ where: { id, apiKeyId: key.id } });
  if (deleted.count === 0) throw new ApiError("NOT_FOUND", "No webhook endpoint with this id.");
}
