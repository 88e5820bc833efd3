import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { Webhook } from "standardwebhooks";
import type { PrismaClient } from "../db";
import { TIMEOUTS } from "../timeouts";
import { WEBHOOK_DISABLE_AFTER_MS } from "./contract";
import { assertPublicTarget, guardedLookup, WebhookTargetError } from "./target-guard";

// One HTTP attempt of one delivery, signed per Standard Webhooks (https://www.standardwebhooks.com):
// `webhook-id` (the delivery id: the same on every retry and replay), `webhook-timestamp` (seconds),
// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" keyed with the secret after whsec_>`.

const SNIPPET_CHARS = 500;
const MAX_RESPONSE_BYTES = 64 * 1024;

export type DeliveryOutcome =
  | { kind: "delivered"; statusCode: number }
  /** `retry: false` when trying again cannot help (endpoint gone or disabled, target refused by the guard). */
  | { kind: "failed"; retry: boolean; reason: string };

interface Options {
  attempt: number;
  /** The last attempt BullMQ will make: a failure now gives up (and may disable the endpoint). */
  final: boolean;
  allowPrivate: boolean;
  now?: () => Date;
}

export async function deliverWebhook(db: PrismaClient, deliveryId: string, options: Options): Promise<DeliveryOutcome> {
  const now = options.now ?? (() => new Date());
  const delivery = await db.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { endpoint: true } });
  if (!delivery) return { kind: "failed", retry: false, reason: "delivery no longer exists" };
  const { endpoint } = delivery;
  if (endpoint.disabledAt) {
    await db.webhookDelivery.update({ where: { id: deliveryId }, data: { status: "failed" } });
    return { kind: "failed", retry: false, reason: "endpoint disabled" };
  }

  const sentAt = now();
  const signature = new Webhook(endpoint.secret).sign(delivery.id, sentAt, delivery.body);
  const started = performance.now();
  let statusCode: number | null = null;
  let snippet: string | null = null;
  let error: string | null = null;
  let permanent = false;
  try {
    const url = new URL(endpoint.url);
    // Names are checked at connect time (guardedLookup); a literal IP never goes through a lookup.
    if (isIP(url.hostname.replace(/^\[|\]$/g, ""))) await assertPublicTarget(url, options.allowPrivate);
    const response = await post(
      url,
      delivery.body,
      {
        "content-type": "application/json",
        "user-agent": "Captioner-Webhooks/1",
        "webhook-id": delivery.id,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signature,
      },
      options.allowPrivate,
    );
    statusCode = response.statusCode;
    snippet = response.body.slice(0, SNIPPET_CHARS);
  } catch (caught) {
    permanent = caught instanceof WebhookTargetError;
    error = (caught as Error).message;
  }
  const latencyMs = Math.round(performance.now() - started);
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;

  await db.webhookAttempt.create({
    data: { deliveryId, attempt: options.attempt, statusCode, latencyMs, responseSnippet: snippet, error },
  });
  if (ok) {
    await db.$transaction([
      db.webhookDelivery.update({
        where: { id: deliveryId },
        data: { status: "delivered", deliveredAt: now(), attempts: { increment: 1 } },
      }),
      db.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince: null } }),
    ]);
    return { kind: "delivered", statusCode: statusCode as number };
  }

  const reason = error ?? `HTTP ${statusCode}`;
  const givingUp = permanent || options.final;
  const failingSince = endpoint.failingSince ?? sentAt;
  await db.$transaction([
    db.webhookDelivery.update({
      where: { id: deliveryId },
      data: { attempts: { increment: 1 }, ...(givingUp ? { status: "failed" } : {}) },
    }),
    db.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: {
        failingSince,
        // Failing for days and this delivery gave up too: stop sending, and say why in the console.
        ...(givingUp && now().getTime() - failingSince.getTime() >= WEBHOOK_DISABLE_AFTER_MS
          ? {
              disabledAt: now(),
              disabledReason: `Disabled ${now().toISOString()}: every delivery has failed since ${failingSince.toISOString()} (last: ${reason}).`,
            }
          : {}),
      },
    }),
  ]);
  return { kind: "failed", retry: !permanent, reason };
}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
): Promise<{ statusCode: number; body: string }> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: guardedLookup(allowPrivate) as never,
        timeout: TIMEOUTS.webhookDeliveryMs,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          // Only a snippet is kept: stop reading a huge answer instead of buffering it.
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${TIMEOUTS.webhookDeliveryMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
