import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/api-keys/api-keys";
import { upsertUser } from "../../lib/auth/users";
import { adminPost, signIn } from "../admin/staff-sessions";
import { waitForJob } from "../support/api-client";
import { makeVideoWithoutAudio } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// Rate limits and quotas against the running stack: RateLimit-* headers, 429 + Retry-After naming the
// limit, per-key overrides set in the console, unfinished-job counts, and media minutes counted by the
// worker when a real job completes.

const IP_REQUESTS_PER_MIN = 4;
let stack: Stack;
let adminCookie: string;

beforeAll(async () => {
  // No worker at first: jobs stay queued, so unfinished-job counts are exact. The quota test starts one.
  stack = await startStack({
    worker: false,
    env: { RATE_LIMIT_IP_REQUESTS_PER_MIN: String(IP_REQUESTS_PER_MIN), FFMPEG_PRESET: "ultrafast" },
  });
  await upsertUser(stack.db, { email: "admin@limits.test", role: "admin", password: "admin-password-1" });
  adminCookie = (await signIn(stack.baseUrl, "admin@limits.test", "admin-password-1")) ?? "";
  expect(adminCookie).not.toBe("");
});
afterAll(async () => {
  await stack?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

/** A key with its own limits, set through the console's admin API (as the API keys page does). */
async function keyWithLimits(limits: Record<string, number | null>): Promise<{ id: string; key: string }> {
  const { id, key } = await createApiKey(stack.db, { name: `limits ${JSON.stringify(limits)}` });
  const res = await fetch(`${stack.baseUrl}/api/admin/api-keys/${id}/limits`, {
    method: "POST",
    headers: { cookie: adminCookie, origin: stack.baseUrl, "content-type": "application/json" },
    body: JSON.stringify(limits),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return { id, key };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const ticket = (headers: Record<string, string>) =>
  postJson(`${stack.baseUrl}/api/video/upload`, { filename: "a.mp4", contentType: "video/mp4", size: 64 }, headers);

async function expectLimited(res: Response, limit: string, words: string) {
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(res.headers.get("ratelimit-remaining")).toBe("0");
  const error = await expectApiError(res, 429, "RATE_LIMITED");
  expect(error.limit).toBe(limit);
  expect(error.message).toContain(words);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  return retryAfter;
}

describe("request rate", () => {
  it("counts a key's requests against its own limit from the console, with RateLimit-* headers", async () => {
    const { id, key } = await keyWithLimits({ requestsPerMinute: 3 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await ticket(bearer(key));
      expect(res.status).toBe(201);
      expect(res.headers.get("ratelimit-limit")).toBe("3");
      remaining.push(res.headers.get("ratelimit-remaining") ?? "");
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const retryAfter = await expectLimited(await ticket(bearer(key)), "keyRequests", "requests per minute per API key");
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Another key has its own budget (the default, 60 a minute).
    const other = await createApiKey(stack.db, { name: "other" });
    const res = await ticket(bearer(other.key));
    expect(res.status).toBe(201);
    expect(res.headers.get("ratelimit-limit")).toBe("60");

    const audit = await stack.db.auditLog.findFirstOrThrow({ where: { action: "api_key.limits" } });
    expect(JSON.stringify(audit.data)).toContain(id);
  });

  it("limits anonymous callers per IP, and a console user not at all", async () => {
    for (let i = 0; i < IP_REQUESTS_PER_MIN; i += 1) expect((await ticket({})).status).toBe(201);
    await expectLimited(await ticket({}), "ipRequests", "requests per minute per client IP");
    const staff = await ticket({ cookie: adminCookie });
    expect(staff.status).toBe(201);
    expect(staff.headers.get("ratelimit-limit")).toBeNull();
  });

  it("refuses an override that is not a whole number", async () => {
    const { id } = await createApiKey(stack.db, { name: "bad override" });
    const res = await fetch(`${stack.baseUrl}/api/admin/api-keys/${id}/limits`, {
      method: "POST",
      headers: { cookie: adminCookie, origin: stack.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ requestsPerMinute: -1 }),
    });
    await expectApiError(res, 400, "VALIDATION_ERROR");
  });
});

describe("unfinished jobs", () => {
  it("refuses a job beyond the key's unfinished-job limit until one finishes", async () => {
    const { key } = await keyWithLimits({ maxConcurrentJobs: 2 });
    const submit = async () => {
      const upload = await uploadBytes(stack.baseUrl, "clip.mp4", 2048, bearer(key));
      return postJson(`${stack.baseUrl}/api/video/process`, { key: upload }, bearer(key));
    };
    const first = await submit();
    expect(first.status).toBe(202);
    expect((await submit()).status).toBe(202);
    const retryAfter = await expectLimited(await submit(), "keyConcurrentJobs", "unfinished jobs at once per API key");
    expect(retryAfter).toBe(30);

    const { id } = (await first.json()) as { id: string };
    expect((await adminPost(stack, `/api/admin/jobs/${id}/cancel`, adminCookie)).status).toBe(200);
    expect((await submit()).status).toBe(202);
  });
});

describe("media minutes per day", () => {
  it("counts a completed job's minutes (by the worker) and then refuses new jobs of that key", async () => {
    // Jobs left queued above are random bytes: the worker fails them (INVALID_MEDIA), which costs nothing.
    await stack.startWorker();
    const { id, key } = await keyWithLimits({ mediaMinutesPerDay: 1 });
    // 61 s without audio: over the 1-minute quota, yet quick (no speech to recognise, soft subtitles).
    const clip = await makeVideoWithoutAudio({ durationSec: 61, width: 64, height: 64, fps: 1 });
    const bytes = await readFile(clip.path);
    const upload = async () => {
      const res = await postJson(
        `${stack.baseUrl}/api/video/upload`,
        { filename: "long.mp4", contentType: "video/mp4", size: bytes.length },
        bearer(key),
      );
      const t = (await res.json()) as { key: string; uploadUrl: string; headers: Record<string, string> };
      expect((await fetch(t.uploadUrl, { method: "PUT", headers: t.headers, body: bytes })).status).toBe(200);
      return t.key;
    };
    const process = (uploaded: string) =>
      postJson(`${stack.baseUrl}/api/video/process`, { key: uploaded, burnIn: false }, bearer(key));

    const accepted = await process(await upload());
    expect(accepted.status).toBe(202);
    const job = await waitForJob(stack.baseUrl, ((await accepted.json()) as { id: string }).id);
    expect(job.status).toBe("completed");
    expect(job.result?.durationSec).toBeGreaterThan(60);

    // Uploading still works (it costs no media minutes); creating a job does not.
    const refused = await process(await upload());
    const retryAfter = await expectLimited(refused, "keyMediaMinutes", "media minutes per day per API key");
    expect(retryAfter).toBeGreaterThan(23 * 3600);
    expect(await stack.db.job.count({ where: { apiKeyId: id } })).toBe(1);
  });
});
