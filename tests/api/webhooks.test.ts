import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/api-keys/api-keys";
import { upsertUser } from "../../lib/auth/users";
import { deliverWebhook } from "../../lib/webhooks/deliver";
import { adminPost, makeJobRow, signIn } from "../admin/staff-sessions";
import { waitForJob } from "../support/api-client";
import { makeVideoWithoutAudio } from "../support/make-media";
import { freePort, type Stack, startStack, waitFor } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";

// Webhooks against the running stack (app + worker): a real HTTP receiver in this test checks every
// delivery's signature with the Standard Webhooks algorithm written out below (not with the library the
// product signs with), refuses the first delivery, and sees the retry arrive with the same webhook-id.

interface Received {
  headers: Record<string, string>;
  body: string;
}

let stack: Stack;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** How the receiver answers the next requests (default 200). */
const answers: number[] = [];
let key: string;
let keyId: string;
let adminCookie: string;

beforeAll(async () => {
  const port = await freePort();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") });
      const status = answers.shift() ?? 200;
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "thanks" : "receiver restarting");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${port}/hooks/captioner`;
  stack = await startStack({ env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
  ({ key, id: keyId } = await createApiKey(stack.db, { name: "webhook client" }));
  await upsertUser(stack.db, { email: "admin@hooks.test", role: "admin", password: "admin-password-1" });
  adminCookie = (await signIn(stack.baseUrl, "admin@hooks.test", "admin-password-1")) ?? "";
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});
showServerLogOnFailure(() => `${stack?.app.output()}\n--- worker ---\n${stack?.workers[0]?.output().slice(-3000)}`);

const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

/** The Standard Webhooks check, from the spec: HMAC-SHA256 over "id.timestamp.body" with the base64 secret. */
function verifySignature(secret: string, message: Received): boolean {
  const id = message.headers["webhook-id"] ?? "";
  const timestamp = message.headers["webhook-timestamp"] ?? "";
  const keyBytes = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", keyBytes).update(`${id}.${timestamp}.${message.body}`).digest();
  return (message.headers["webhook-signature"] ?? "").split(" ").some((part) => {
    const [version, signature] = part.split(",");
    const given = Buffer.from(signature ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

let secret: string;
let endpointId: string;

describe("registering endpoints", () => {
  it("needs an API key with the webhooks scope", async () => {
    await expectApiError(
      await postJson(`${stack.baseUrl}/api/webhooks`, { url: receiverUrl }),
      401,
      "API_KEY_REQUIRED",
    );
    const jobsOnly = await createApiKey(stack.db, { name: "jobs only", scopes: ["jobs"] });
    const res = await postJson(`${stack.baseUrl}/api/webhooks`, { url: receiverUrl }, bearer(jobsOnly.key));
    await expectApiError(res, 403, "INSUFFICIENT_SCOPE");
    const bad = await postJson(`${stack.baseUrl}/api/webhooks`, { url: "ftp://example.com/x" }, bearer(key));
    await expectApiError(bad, 400, "VALIDATION_ERROR");
  });

  it("returns a whsec_ secret once; the list never shows it", async () => {
    const res = await postJson(`${stack.baseUrl}/api/webhooks`, { url: receiverUrl }, bearer(key));
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; secret: string; events: string[] };
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.events).toEqual(["job.completed", "job.failed", "job.canceled"]);
    ({ secret, id: endpointId } = created);
    const list = await fetch(`${stack.baseUrl}/api/webhooks`, { headers: bearer(key) });
    const text = await list.text();
    expect(text).toContain(endpointId);
    expect(text).not.toContain(secret.slice(6));
  });
});

describe("deliveries", () => {
  it("signs job.completed; a refused first delivery is retried within a minute with the same webhook-id", async () => {
    answers.push(503);
    const clip = await makeVideoWithoutAudio({ durationSec: 2, width: 64, height: 64, fps: 5 });
    const bytes = await import("node:fs/promises").then((fs) => fs.readFile(clip.path));
    const ticketRes = await postJson(
      `${stack.baseUrl}/api/video/upload`,
      { filename: "hook.mp4", contentType: "video/mp4", size: bytes.length },
      bearer(key),
    );
    const ticket = (await ticketRes.json()) as { key: string; uploadUrl: string; headers: Record<string, string> };
    expect((await fetch(ticket.uploadUrl, { method: "PUT", headers: ticket.headers, body: bytes })).status).toBe(200);
    const accepted = await postJson(
      `${stack.baseUrl}/api/video/process`,
      { key: ticket.key, burnIn: false },
      bearer(key),
    );
    const { id: jobId } = (await accepted.json()) as { id: string };
    expect((await waitForJob(stack.baseUrl, jobId)).status).toBe("completed");

    const started = Date.now();
    await waitFor(async () => received.length >= 2, { timeoutMs: 90_000, what: "the retried delivery" });
    const [first, second] = received;
    if (!first || !second) throw new Error("two deliveries expected");
    expect(Date.now() - started).toBeLessThan(75_000);
    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(first.headers["webhook-id"]).toMatch(/^msg_/);
    for (const message of [first, second]) {
      expect(verifySignature(secret, message)).toBe(true);
      expect(Math.abs(Number(message.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(300);
    }
    expect(verifySignature("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", first)).toBe(false);
    const body = JSON.parse(second.body) as { type: string; data: { jobId: string; job: { status: string } } };
    expect(body).toMatchObject({ type: "job.completed", data: { jobId, job: { status: "completed" } } });

    // The delivery log: two attempts (503, then 200), each with latency and the response's first characters.
    const delivery = await waitFor(
      async () => {
        const row = await stack.db.webhookDelivery.findUniqueOrThrow({
          where: { id: first.headers["webhook-id"] },
          include: { attemptLog: { orderBy: { attempt: "asc" } } },
        });
        return row.status === "delivered" ? row : null;
      },
      { what: "the delivery to be logged as delivered" },
    );
    expect(delivery.attemptLog.map((a) => [a.statusCode, a.responseSnippet])).toEqual([
      [503, "receiver restarting"],
      [200, "thanks"],
    ]);
    expect(delivery.attemptLog.every((a) => a.latencyMs >= 0)).toBe(true);
  });

  it("an admin replays a delivery from the console with the same webhook-id", async () => {
    const before = received.length;
    const id = received[0]?.headers["webhook-id"] ?? "";
    const page = await (await fetch(`${stack.baseUrl}/admin/webhooks`, { headers: { cookie: adminCookie } })).text();
    expect(page).toContain(id);
    expect(page).toContain("receiver restarting");
    expect((await adminPost(stack, `/api/admin/webhooks/deliveries/${id}/replay`, adminCookie)).status).toBe(200);
    await waitFor(async () => received.length > before, { timeoutMs: 30_000, what: "the replayed delivery" });
    const replayed = received.at(-1) as Received;
    expect(replayed.headers["webhook-id"]).toBe(id);
    expect(verifySignature(secret, replayed)).toBe(true);
  });

  it("announces a console cancel as job.canceled", async () => {
    const jobId = await makeJobRow(stack, "queued");
    await stack.db.job.update({ where: { id: jobId }, data: { apiKeyId: keyId } });
    const before = received.length;
    expect((await adminPost(stack, `/api/admin/jobs/${jobId}/cancel`, adminCookie)).status).toBe(200);
    await waitFor(async () => received.length > before, { timeoutMs: 30_000, what: "the job.canceled delivery" });
    const message = received.at(-1) as Received;
    expect(verifySignature(secret, message)).toBe(true);
    expect(JSON.parse(message.body)).toMatchObject({ type: "job.canceled", data: { jobId } });
  });
});

describe("an endpoint failing for days", () => {
  it("is disabled with a note when another delivery gives up, and gets nothing more", async () => {
    const deadPort = await freePort(); // nothing listens there: every attempt is refused
    const endpoint = await stack.db.webhookEndpoint.create({
      data: {
        id: "wh_failingfordays000000",
        apiKeyId: keyId,
        url: `http://127.0.0.1:${deadPort}/gone`,
        events: ["job.completed"],
        secret: "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        failingSince: new Date(Date.now() - 4 * 24 * 3_600_000),
      },
    });
    const delivery = await stack.db.webhookDelivery.create({
      data: { id: "msg_failingfordays0000000", endpointId: endpoint.id, eventType: "job.completed", body: "{}" },
    });
    const options = { attempt: 10, final: true, allowPrivate: true };
    const outcome = await deliverWebhook(stack.db, delivery.id, options);
    expect(outcome).toMatchObject({ kind: "failed", retry: true });
    const row = await stack.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(row.disabledAt).not.toBeNull();
    expect(row.disabledReason).toMatch(/every delivery has failed since/);
    const again = await deliverWebhook(stack.db, delivery.id, options);
    expect(again).toEqual({ kind: "failed", retry: false, reason: "endpoint disabled" });
    const page = await (await fetch(`${stack.baseUrl}/admin/webhooks`, { headers: { cookie: adminCookie } })).text();
    expect(page).toContain("every delivery has failed since");
  });
});

describe("deleting endpoints", () => {
  it("deletes the key's endpoint; another key cannot see or delete it", async () => {
    const other = await createApiKey(stack.db, { name: "someone else" });
    const foreign = await fetch(`${stack.baseUrl}/api/webhooks/${endpointId}`, {
      method: "DELETE",
      headers: bearer(other.key),
    });
    await expectApiError(foreign, 404, "NOT_FOUND");
    const res = await fetch(`${stack.baseUrl}/api/webhooks/${endpointId}`, { method: "DELETE", headers: bearer(key) });
    expect(res.status).toBe(204);
    const list = (await (await fetch(`${stack.baseUrl}/api/webhooks`, { headers: bearer(key) })).json()) as {
      data: { id: string }[];
    };
    expect(list.data.map((e) => e.id)).not.toContain(endpointId);
    expect(await stack.db.webhookDelivery.count({ where: { endpointId } })).toBe(0);
  });
});
