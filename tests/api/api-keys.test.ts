import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashClientIp } from "../../lib/api/client-ip";
import { createApiKey } from "../../lib/api-keys/api-keys";
import { upsertUser } from "../../lib/auth/users";
import { adminPost, signIn } from "../admin/staff-sessions";
import { type Stack, startStack } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// API keys and who may submit, against `next start` (no worker): keys made in the console and by the CLI,
// Bearer auth on the public API, PUBLIC_SUBMISSIONS=key|off|open, and the submitter recorded on each job.

const ROOT = path.resolve(import.meta.dirname, "../..");
let keyed: Stack; // PUBLIC_SUBMISSIONS=key
let open: Stack; // the default: open
let adminCookie: string;
let supportCookie: string;

beforeAll(async () => {
  [keyed, open] = await Promise.all([
    startStack({ worker: false, env: { PUBLIC_SUBMISSIONS: "key" } }),
    startStack({ worker: false }),
  ]);
  await upsertUser(keyed.db, { email: "admin@keys.test", role: "admin", password: "admin-password-1" });
  await upsertUser(keyed.db, { email: "support@keys.test", role: "support", password: "support-password-1" });
  adminCookie = (await signIn(keyed.baseUrl, "admin@keys.test", "admin-password-1")) ?? "";
  supportCookie = (await signIn(keyed.baseUrl, "support@keys.test", "support-password-1")) ?? "";
  expect(adminCookie && supportCookie).toBeTruthy();
});
afterAll(async () => {
  await Promise.all([keyed?.stop(), open?.stop()]);
});
showServerLogOnFailure(() => `${keyed?.app.output()}\n${open?.app.output()}`);

/** Creates a key through the console's admin API, as the API keys page does. */
async function consoleCreateKey(stack: Stack, cookie: string, body: unknown): Promise<Response> {
  return fetch(`${stack.baseUrl}/api/admin/api-keys`, {
    method: "POST",
    headers: { cookie, origin: stack.baseUrl, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function newKey(name: string, scopes?: string[]): Promise<{ id: string; key: string; prefix: string }> {
  const res = await consoleCreateKey(keyed, adminCookie, { name, ...(scopes ? { scopes } : {}) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string; prefix: string };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function submit(stack: Stack, headers: Record<string, string>): Promise<string> {
  const key = await uploadBytes(stack.baseUrl, "clip.mp4", 2048, headers);
  const res = await postJson(`${stack.baseUrl}/api/video/process`, { key }, headers);
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

describe("keys in the console", () => {
  it("an admin creates a key: shown once, stored only as a hash, listed by prefix, audited", async () => {
    const created = await newKey("marketing site");
    expect(created.key).toMatch(/^cap_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const row = await keyed.db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.keyHash).not.toContain(created.key);
    expect(JSON.stringify(row)).not.toContain(created.key.slice(12));

    const list = await fetch(`${keyed.baseUrl}/api/admin/api-keys`, { headers: { cookie: adminCookie } });
    const text = await list.text();
    expect(text).toContain(created.prefix);
    expect(text).not.toContain(created.key);

    const page = await (await fetch(`${keyed.baseUrl}/admin/api-keys`, { headers: { cookie: adminCookie } })).text();
    expect(page).toContain("marketing site");
    expect(page).toContain(created.prefix);
    expect(page).not.toContain(created.key);

    const audit = await keyed.db.auditLog.findFirstOrThrow({ where: { action: "api_key.create" } });
    expect(audit.userEmail).toBe("admin@keys.test");
    expect(JSON.stringify(audit.data)).toContain(created.id);
    expect(JSON.stringify(audit.data)).not.toContain(created.key);
  });

  it("refuses key management to other roles and to no session", async () => {
    const asSupport = await consoleCreateKey(keyed, supportCookie, { name: "nope" });
    await expectApiError(asSupport, 403, "FORBIDDEN");
    const anonymous = await fetch(`${keyed.baseUrl}/api/admin/api-keys`, {
      method: "POST",
      headers: { origin: keyed.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ name: "nope" }),
    });
    await expectApiError(anonymous, 401, "UNAUTHORIZED");
    expect(await keyed.db.apiKey.count({ where: { name: "nope" } })).toBe(0);
  });

  it("a revoked key gets 401 at once", async () => {
    const created = await newKey("to revoke");
    await submit(keyed, bearer(created.key));
    const revoke = await adminPost(keyed, `/api/admin/api-keys/${created.id}/revoke`, adminCookie);
    expect(revoke.status).toBe(200);
    const res = await postJson(
      `${keyed.baseUrl}/api/video/upload`,
      { filename: "a.mp4", contentType: "video/mp4", size: 10 },
      bearer(created.key),
    );
    await expectApiError(res, 401, "INVALID_API_KEY");
    expect(await keyed.db.auditLog.count({ where: { action: "api_key.revoke" } })).toBe(1);
  });

  it("`npm run apikey:create` prints only the key on its last line, and the key works", async () => {
    const result = spawnSync("npm", ["run", "-s", "apikey:create", "--", "--name", "from the cli", "--scope", "jobs"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: keyed.env.DATABASE_URL },
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    const key = lines.at(-1) ?? "";
    expect(lines).toHaveLength(1);
    expect(key).toMatch(/^cap_/);
    const row = await keyed.db.apiKey.findFirstOrThrow({ where: { name: "from the cli" } });
    expect(row.scopes).toEqual(["jobs"]);
    const jobId = await submit(keyed, bearer(key));
    expect((await keyed.db.job.findUniqueOrThrow({ where: { id: jobId } })).apiKeyId).toBe(row.id);
  });
});

describe("PUBLIC_SUBMISSIONS=key", () => {
  it("refuses anonymous uploads and submissions with 401 API_KEY_REQUIRED", async () => {
    const upload = await postJson(`${keyed.baseUrl}/api/video/upload`, {
      filename: "a.mp4",
      contentType: "video/mp4",
      size: 10,
    });
    await expectApiError(upload, 401, "API_KEY_REQUIRED");
    const processRes = await postJson(`${keyed.baseUrl}/api/video/process`, { key: "uploads/x/a.mp4" });
    await expectApiError(processRes, 401, "API_KEY_REQUIRED");
  });

  it.each([
    { name: "an unknown key", header: `Bearer cap_${"A".repeat(43)}` },
    { name: "a malformed key", header: "Bearer not-a-key" },
    { name: "a non-Bearer scheme", header: "Basic dXNlcjpwYXNz" },
  ])("answers 401 INVALID_API_KEY to $name, on every public route", async ({ header }) => {
    const headers = { authorization: header };
    const upload = await postJson(
      `${keyed.baseUrl}/api/video/upload`,
      { filename: "a.mp4", contentType: "video/mp4", size: 10 },
      headers,
    );
    await expectApiError(upload, 401, "INVALID_API_KEY");
    const processRes = await postJson(`${keyed.baseUrl}/api/video/process`, { key: "uploads/x/a.mp4" }, headers);
    await expectApiError(processRes, 401, "INVALID_API_KEY");
    const job = await fetch(`${keyed.baseUrl}/api/video/job/job_AAAAAAAAAAAAAAAAAAAAAA`, { headers });
    await expectApiError(job, 401, "INVALID_API_KEY");
  });

  it("accepts a key: the job records it, lastUsedAt moves, the console lists and filters by it", async () => {
    const created = await newKey("integration");
    const jobId = await submit(keyed, bearer(created.key));
    const job = await keyed.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(job).toMatchObject({ apiKeyId: created.id, submittedByUserId: null, submitterIpHash: null });
    const key = await keyed.db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(key.lastUsedAt).not.toBeNull();

    const other = await submit(keyed, { cookie: adminCookie });
    const filtered = await fetch(`${keyed.baseUrl}/admin/jobs?submitter=${created.id}`, {
      headers: { cookie: supportCookie },
    });
    const html = await filtered.text();
    expect(html).toContain(jobId);
    expect(html).toContain("API key “integration”");
    expect(html).not.toContain(other);
    const detail = await (
      await fetch(`${keyed.baseUrl}/admin/jobs/${jobId}`, { headers: { cookie: supportCookie } })
    ).text();
    expect(detail).toContain("API key “integration”");
  });

  it("refuses a key without the jobs scope", async () => {
    const created = await newKey("hooks only", ["webhooks"]);
    const res = await postJson(
      `${keyed.baseUrl}/api/video/upload`,
      { filename: "a.mp4", contentType: "video/mp4", size: 10 },
      bearer(created.key),
    );
    await expectApiError(res, 403, "INSUFFICIENT_SCOPE");
  });

  it("lets a signed-in console user submit without a key, and records the user", async () => {
    const jobId = await submit(keyed, { cookie: supportCookie, origin: keyed.baseUrl });
    const job = await keyed.db.job.findUniqueOrThrow({ where: { id: jobId }, include: { submittedByUser: true } });
    expect(job.submittedByUser?.email).toBe("support@keys.test");
  });

  it("the upload page asks anonymous visitors to sign in", async () => {
    const html = await (await fetch(`${keyed.baseUrl}/`)).text();
    expect(html).toContain("Sign in to upload a video");
    const signedIn = await (await fetch(`${keyed.baseUrl}/`, { headers: { cookie: adminCookie } })).text();
    expect(signedIn).not.toContain("Sign in to upload a video");
  });
});

describe("webhook targets", () => {
  it.each(["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://[::1]:9/hook", "http://10.1.2.3/hook"])(
    "refuses to register %s (private or loopback) without WEBHOOK_ALLOW_PRIVATE",
    async (url) => {
      const { key } = await createApiKey(keyed.db, { name: `ssrf ${url}` });
      const res = await postJson(`${keyed.baseUrl}/api/webhooks`, { url }, bearer(key));
      const error = await expectApiError(res, 400, "VALIDATION_ERROR");
      expect(error.message).toMatch(/private or loopback/);
    },
  );
});

describe("PUBLIC_SUBMISSIONS=open", () => {
  it("records anonymous callers by a hash of their IP, which a forged X-Forwarded-For does not change", async () => {
    const plain = await submit(open, {});
    const forged = await submit(open, { "x-forwarded-for": "203.0.113.9" });
    const rows = await open.db.job.findMany({ where: { id: { in: [plain, forged] } } });
    const hashes = new Set(rows.map((r) => r.submitterIpHash));
    expect(hashes.size).toBe(1);
    const [hash] = [...hashes];
    // The TCP peer's address (keyed with the server's secret), not the "unknown" bucket.
    expect(hash).toBe(hashClientIp("127.0.0.1", open.env.NEXTAUTH_SECRET ?? ""));
  });
});

describe("PUBLIC_SUBMISSIONS=off", () => {
  it("refuses every submission, even with a key", async () => {
    const stack = await startStack({ worker: false, env: { PUBLIC_SUBMISSIONS: "off" } });
    try {
      const { key } = await createApiKey(stack.db, { name: "any" });
      for (const headers of [{}, bearer(key)]) {
        const res = await postJson(
          `${stack.baseUrl}/api/video/upload`,
          { filename: "a.mp4", contentType: "video/mp4", size: 10 },
          headers,
        );
        await expectApiError(res, 403, "SUBMISSIONS_DISABLED");
      }
      const html = await (await fetch(`${stack.baseUrl}/`)).text();
      expect(html).toContain("not accepting new videos");
    } finally {
      await stack.stop();
    }
  });
});
