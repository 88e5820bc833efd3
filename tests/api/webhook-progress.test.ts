import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/api-keys/api-keys";
import { uploadFile, waitForJob } from "../support/api-client";
import { makeSpeechVideo } from "../support/make-media";
import { freePort, type Stack, startStack, waitFor } from "../support/stack";
import { postJson, showServerLogOnFailure } from "./api-http";

// The opt-in job.progress webhook against the running stack: a real receiver subscribed to job.progress and
// job.completed hears one progress event per stage the worker really runs, in order, then the completion;
// an endpoint registered with the default events hears no progress at all.

interface Received {
  path: string;
  body: {
    type: string;
    timestamp: string;
    data: { jobId: string; job: { status: string; phase: string | null; progress: number } };
  };
  id: string;
}

let stack: Stack;
let receiver: Server;
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  const port = await freePort();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Received["body"],
        id: String(req.headers["webhook-id"]),
      });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${port}`;
  stack = await startStack({ env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});
showServerLogOnFailure(() => `${stack?.app.output()}\n--- worker ---\n${stack?.workers[0]?.output().slice(-3000)}`);

const STAGES = [
  "downloading",
  "probing",
  "extracting_audio",
  "transcribing",
  "building_captions",
  "rendering",
  "uploading",
];

describe("job.progress webhooks", () => {
  it("one event per stage, in order, only to endpoints that asked for it", async () => {
    const { key } = await createApiKey(stack.db, { name: "progress client" });
    const auth = { authorization: `Bearer ${key}` };
    const progress = await postJson(
      `${stack.baseUrl}/api/webhooks`,
      { url: `${base}/progress`, events: ["job.progress", "job.completed"] },
      auth,
    );
    expect(progress.status).toBe(201);
    expect(((await progress.json()) as { events: string[] }).events).toEqual(["job.progress", "job.completed"]);
    const plain = await postJson(`${stack.baseUrl}/api/webhooks`, { url: `${base}/default` }, auth);
    expect(((await plain.json()) as { events: string[] }).events).toEqual([
      "job.completed",
      "job.failed",
      "job.canceled",
    ]);

    const clip = await makeSpeechVideo({ script: "Every stage of this job is announced to the receiver." });
    // Uploaded anonymously (PUBLIC_SUBMISSIONS=open); submitted with the key, whose endpoints hear about it.
    const key2 = await uploadFile(stack.baseUrl, clip.path);
    const accepted = await postJson(`${stack.baseUrl}/api/video/process`, { key: key2, burnIn: false }, auth);
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    expect((await waitForJob(stack.baseUrl, id)).status).toBe("completed");
    await waitFor(async () => received.filter((r) => r.body.type === "job.completed").length === 2, {
      timeoutMs: 30_000,
      what: "both job.completed deliveries",
    });

    const toProgress = received.filter((r) => r.path === "/progress");
    const phases = toProgress.filter((r) => r.body.type === "job.progress").map((r) => r.body.data.job.phase);
    // One per stage. Deliveries run in parallel, so arrival order is not part of the contract: compare as sets.
    expect(phases.sort()).toEqual([...STAGES].sort());
    for (const event of toProgress.filter((r) => r.body.type === "job.progress")) {
      expect(event.body.data).toMatchObject({ jobId: id, job: { status: "processing" } });
    }
    // Emitted in order: each event's timestamp follows the previous stage's.
    const stamps = toProgress
      .filter((r) => r.body.type === "job.progress")
      .sort((a, b) => STAGES.indexOf(a.body.data.job.phase ?? "") - STAGES.indexOf(b.body.data.job.phase ?? ""))
      .map((r) => Date.parse(r.body.timestamp));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(new Set(toProgress.map((r) => r.id)).size).toBe(toProgress.length);
    expect(received.filter((r) => r.path === "/default").map((r) => r.body.type)).toEqual(["job.completed"]);
  });
});
