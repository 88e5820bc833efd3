import { createHash, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Stack, startStack } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// POST /api/video/process against `next start` (no worker): the row in Postgres, the BullMQ job in
// Redis, validation, and Idempotency-Key semantics.

let stack: Stack;
let redis: Redis;
let queue: Queue;
let uploadedKey: string;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  redis = new Redis(stack.env.REDIS_URL ?? "", { maxRetriesPerRequest: null });
  // Read-only view of the app's queue: nothing here consumes or adds jobs.
  queue = new Queue("captions", { connection: redis, prefix: stack.env.QUEUE_PREFIX });
  uploadedKey = await uploadBytes(stack.baseUrl);
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await stack?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

const processUrl = () => `${stack.baseUrl}/api/video/process`;

interface Accepted {
  id: string;
  status: string;
  statusUrl: string;
}

async function expectAccepted(res: Response): Promise<Accepted> {
  const text = await res.text();
  expect(res.status, text).toBe(202);
  return JSON.parse(text) as Accepted;
}

describe("POST /api/video/process", () => {
  test("202 { id, status: queued, statusUrl, manageToken }, a queued row in Postgres and a BullMQ job with the same id", async () => {
    const res = await postJson(processUrl(), { key: uploadedKey, language: "en", burnIn: false });
    const body = await expectAccepted(res);
    expect(Object.keys(body).sort()).toEqual(["id", "manageToken", "status", "statusUrl"]);
    // The token is shown once and stored only as its hash.
    const { manageToken } = body as unknown as { manageToken: string };
    expect(manageToken).toMatch(/^mt_[A-Za-z0-9_-]{43}$/);
    const stored = await stack.db.job.findUniqueOrThrow({ where: { id: body.id } });
    expect(stored.manageTokenHash).toBe(createHash("sha256").update(manageToken).digest("hex"));
    expect(body.id).toMatch(/^job_[A-Za-z0-9_-]{22}$/);
    expect(body).toMatchObject({ status: "queued", statusUrl: `/api/video/job/${body.id}` });
    expect(res.headers.get("location")).toBe(body.statusUrl);

    const row = await stack.db.job.findUnique({ where: { id: body.id } });
    expect(row).toMatchObject({
      status: "queued",
      inputKey: uploadedKey,
      originalFilename: "clip.mp4",
      inputSize: 2048n,
      contentType: "video/mp4",
      options: { language: "en", burnIn: false },
    });
    expect(await stack.db.jobEvent.count({ where: { jobId: body.id, type: "queued" } })).toBe(1);

    const job = await queue.getJob(body.id);
    expect(job?.name).toBe("caption");
    expect(job?.data).toEqual({ jobId: body.id });
    expect(await job?.getState()).toBe("waiting");
  });

  test('defaults: language "auto" is stored as automatic detection and burn-in is on', async () => {
    const { id } = await expectAccepted(await postJson(processUrl(), { key: uploadedKey, language: "auto" }));
    const row = await stack.db.job.findUniqueOrThrow({ where: { id } });
    expect(row.options).toEqual({ burnIn: true });
  });

  const badBodies: [string, unknown, string, string?][] = [
    ["malformed JSON", '{"key": ', "INVALID_JSON"],
    ["an empty body", "", "INVALID_JSON"],
    ["a JSON array", "[]", "VALIDATION_ERROR"],
    ["no key", { language: "en" }, "VALIDATION_ERROR", "key"],
    ["an extra field", { key: "uploads/abc/clip.mp4", priority: 1 }, "VALIDATION_ERROR", "priority"],
    ["a numeric key", { key: 42 }, "VALIDATION_ERROR", "key"],
    ["an empty key", { key: "" }, "VALIDATION_ERROR", "key"],
    ["a 513-character key", { key: `uploads/${"a".repeat(505)}` }, "VALIDATION_ERROR", "key"],
    ["audioTrack -1", { key: "uploads/abc/clip.mp4", audioTrack: -1 }, "VALIDATION_ERROR", "audioTrack"],
    ["audioTrack 1.5", { key: "uploads/abc/clip.mp4", audioTrack: 1.5 }, "VALIDATION_ERROR", "audioTrack"],
    ['profile "netflix"', { key: "uploads/abc/clip.mp4", profile: "netflix" }, "VALIDATION_ERROR", "profile"],
    [
      'style preset "neon"',
      { key: "uploads/abc/clip.mp4", style: { preset: "neon" } },
      "VALIDATION_ERROR",
      "style.preset",
    ],
    [
      "style fontSize 0.5",
      { key: "uploads/abc/clip.mp4", style: { fontSize: 0.5 } },
      "VALIDATION_ERROR",
      "style.fontSize",
    ],
    [
      'style textColor "red"',
      { key: "uploads/abc/clip.mp4", style: { textColor: "red" } },
      "VALIDATION_ERROR",
      "style.textColor",
    ],
    ["burnIn as a string", { key: "uploads/abc/clip.mp4", burnIn: "yes" }, "VALIDATION_ERROR", "burnIn"],
    ["language as a number", { key: "uploads/abc/clip.mp4", language: 1 }, "VALIDATION_ERROR", "language"],
    ['language "english"', { key: "uploads/abc/clip.mp4", language: "english" }, "VALIDATION_ERROR", "language"],
    ['language "EN"', { key: "uploads/abc/clip.mp4", language: "EN" }, "VALIDATION_ERROR", "language"],
    ["a key outside uploads/", { key: "rendered/job_x-1.mp4" }, "VALIDATION_ERROR", "key"],
    ["a traversal key uploads/../x", { key: "uploads/../x" }, "VALIDATION_ERROR", "key"],
    ["a traversal key uploads/a/../../x", { key: "uploads/a/../../x" }, "VALIDATION_ERROR", "key"],
    ["an absolute path", { key: "/etc/passwd" }, "VALIDATION_ERROR", "key"],
    ["an empty path segment", { key: "uploads//clip.mp4" }, "VALIDATION_ERROR", "key"],
    ["a key with odd characters", { key: "uploads/abc/clip 1.mp4" }, "VALIDATION_ERROR", "key"],
  ];

  test.each(badBodies)("400 %s → %s, and no row is created", async (_name, body, code, mentions) => {
    const before = await stack.db.job.count();
    const error = await expectApiError(await postJson(processUrl(), body), 400, code);
    if (mentions) expect(error.message).toContain(mentions);
    expect(await stack.db.job.count()).toBe(before);
  });

  test("400 LANGUAGE_UNSUPPORTED at once for a language the configured recogniser lacks: no row, nothing queued", async () => {
    const [rows, queued] = [await stack.db.job.count(), await queue.count()];
    const res = await postJson(processUrl(), { key: uploadedKey, language: "fr" });
    const error = await expectApiError(res, 400, "LANGUAGE_UNSUPPORTED");
    expect(error.message).toContain("pocketsphinx");
    expect(error).toMatchObject({ languages: ["en"] });
    expect(await stack.db.job.count()).toBe(rows);
    expect(await queue.count()).toBe(queued);
  });

  test("400 for a malformed Idempotency-Key header", async () => {
    const res = await postJson(processUrl(), { key: uploadedKey }, { "Idempotency-Key": "x".repeat(256) });
    const error = await expectApiError(res, 400, "VALIDATION_ERROR");
    expect(error.message).toContain("Idempotency-Key");
  });

  test("404 INPUT_NOT_FOUND for a well-formed key that was never uploaded, and no row is created", async () => {
    const before = await stack.db.job.count();
    const res = await postJson(processUrl(), { key: "uploads/AAAAAAAAAAAAAAAA/never.mp4" });
    await expectApiError(res, 404, "INPUT_NOT_FOUND");
    expect(await stack.db.job.count()).toBe(before);
  });
});

describe("GET /api/capabilities", () => {
  test("the default (no API key in the app): pocketsphinx, English only, guessed punctuation", async () => {
    const res = await fetch(`${stack.baseUrl}/api/capabilities`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      backend: "pocketsphinx",
      model: "en-us",
      languages: ["en"],
      detectsLanguage: false,
      wordTiming: "native",
      translation: false,
      punctuation: "guessed",
    });
  });
});

describe("Idempotency-Key", () => {
  test("the same key and body returns the same job, marked as a replay, with exactly one row and one queue job", async () => {
    const key = await uploadBytes(stack.baseUrl, "same.mp4");
    const headers = { "Idempotency-Key": randomUUID() };
    const first = await postJson(processUrl(), { key, language: "en" }, headers);
    const a = await expectAccepted(first);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const second = await postJson(processUrl(), { key, language: "en" }, headers);
    const b = await expectAccepted(second);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    // A replay names the same job but cannot show the manage token again.
    const { manageToken, ...firstRef } = a as typeof a & { manageToken?: string };
    expect(manageToken).toBeDefined();
    expect(b).toEqual(firstRef);
    expect(await stack.db.job.count({ where: { inputKey: key } })).toBe(1);
    expect(await queue.getJob(a.id)).toBeDefined();
  });

  test("the same key with a different body is 409 IDEMPOTENCY_CONFLICT and makes no job", async () => {
    const key = await uploadBytes(stack.baseUrl, "conflict.mp4");
    const headers = { "Idempotency-Key": randomUUID() };
    await expectAccepted(await postJson(processUrl(), { key, burnIn: true }, headers));
    const res = await postJson(processUrl(), { key, burnIn: false }, headers);
    await expectApiError(res, 409, "IDEMPOTENCY_CONFLICT");
    expect(await stack.db.job.count({ where: { inputKey: key } })).toBe(1);
  });

  test("different keys make different jobs", async () => {
    const key = await uploadBytes(stack.baseUrl, "twice.mp4");
    const a = await expectAccepted(await postJson(processUrl(), { key }, { "Idempotency-Key": randomUUID() }));
    const b = await expectAccepted(await postJson(processUrl(), { key }, { "Idempotency-Key": randomUUID() }));
    expect(a.id).not.toBe(b.id);
    expect(await stack.db.job.count({ where: { inputKey: key } })).toBe(2);
    expect(await queue.getJob(a.id)).toBeDefined();
    expect(await queue.getJob(b.id)).toBeDefined();
  });

  test("without a key, each request makes a new job", async () => {
    const key = await uploadBytes(stack.baseUrl, "no-key.mp4");
    const a = await expectAccepted(await postJson(processUrl(), { key }));
    const b = await expectAccepted(await postJson(processUrl(), { key }));
    expect(a.id).not.toBe(b.id);
  });

  test("five concurrent identical requests make one job", async () => {
    const key = await uploadBytes(stack.baseUrl, "race.mp4");
    const headers = { "Idempotency-Key": randomUUID() };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => postJson(processUrl(), { key, language: "en" }, headers)),
    );
    const bodies = await Promise.all(responses.map(expectAccepted));
    const ids = new Set(bodies.map((b) => b.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(await stack.db.job.count({ where: { inputKey: key } })).toBe(1);
    expect(await stack.db.idempotencyKey.count({ where: { key: headers["Idempotency-Key"] } })).toBe(1);
    expect((await queue.getJob(id ?? ""))?.data).toEqual({ jobId: id });
  });
});

// Last in the file: nothing above may have crashed a request handler inside the server.
test("the server logged no uncaught exception", () => {
  expect(stack.app.output()).not.toMatch(/uncaughtException|unhandledRejection/);
});
