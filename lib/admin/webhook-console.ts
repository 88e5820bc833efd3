import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import type { PrismaClient } from "../db";
import { enqueueDelivery } from "../webhooks/contract";
import type { Actor } from "./job-actions";

// The console's view of webhooks: endpoints per API key, the delivery log, and replay.

const RECENT_DELIVERIES = 50;

export async function listWebhookOverview(db: PrismaClient) {
  const [endpoints, deliveries] = await Promise.all([
    db.webhookEndpoint.findMany({
      orderBy: [{ apiKeyId: "asc" }, { createdAt: "asc" }],
      include: { apiKey: { select: { name: true, prefix: true } } },
      omit: { secret: true },
    }),
    db.webhookDelivery.findMany({
      orderBy: { createdAt: "desc" },
      take: RECENT_DELIVERIES,
      include: { attemptLog: { orderBy: { createdAt: "asc" } }, endpoint: { select: { url: true } } },
      omit: { body: true },
    }),
  ]);
  return { endpoints, deliveries };
}

/**
 * Sends a delivery again with the same webhook-id (receivers deduplicate by it), e.g. after a receiver was
 * fixed. Its attempts are logged like the first run's. Audited.
 */
export async function replayDelivery(
  services: Pick<AppServices, "db" | "webhookQueue">,
  actor: Actor,
  id: string,
): Promise<{ id: string; status: "pending"; run: number }> {
  const { db } = services;
  const delivery = await db.webhookDelivery.findUnique({ where: { id }, include: { endpoint: true } });
  if (!delivery) throw new ApiError("NOT_FOUND", "No webhook delivery with this id.");
  if (delivery.endpoint.disabledAt) {
    throw new ApiError("INVALID_STATE", "The endpoint is disabled; its key must register it again.");
  }
  const run =
    (await db.auditLog.count({ where: { action: "webhook.replay", data: { path: ["deliveryId"], equals: id } } })) + 1;
  await db.webhookDelivery.update({ where: { id }, data: { status: "pending" } });
  await db.auditLog.create({
    data: {
      userId: actor.id,
      userEmail: actor.email,
      action: "webhook.replay",
      jobId: delivery.jobId,
      data: { via: "console", deliveryId: id, endpointId: delivery.endpointId, run },
    },
  });
  try {
    await enqueueDelivery(services.webhookQueue, id, run);
  } catch {
    throw new ApiError("QUEUE_UNAVAILABLE", "The queue (Redis) is unavailable; try the replay again shortly.");
  }
  return { id, status: "pending", run };
}
