import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { createCaptionQueue } from "../../lib/job-contract";
import { queueJobId } from "../../lib/jobs/enqueue";
import { type Stack, startStack } from "../support/stack";
import { adminPost, makeJobRow, STDERR_MARKER, signIn } from "./staff-sessions";

// Who may do what in the console, over HTTP like a browser: every page and every action route for no
// session, ops, support and admin. Pages: 200, a redirect to sign-in, or the 403 page. API: 200, 401, 403.

type Who = "none" | "ops" | "support" | "admin";
const EVERYONE: Who[] = ["none", "ops", "support", "admin"];
const STAFF = ["ops", "support", "admin"] as const;

let stack: Stack;
let redis: Redis;
const cookies: Record<Who, string | null> = { none: null, ops: null, support: null, admin: null };
let failedJob: string;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  redis = new Redis(stack.env.REDIS_URL ?? "");
  for (const role of STAFF) {
    await upsertUser(stack.db, { email: `${role}@matrix.test`, role, password: `${role}-password-1` });
    cookies[role] = await signIn(stack.baseUrl, `${role}@matrix.test`, `${role}-password-1`);
    expect(cookies[role], `${role} signs in`).not.toBeNull();
  }
  failedJob = await makeJobRow(stack, "failed");
});

afterAll(async () => {
  if (redis) {
    await createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "")
      .obliterate({ force: true })
      .catch(() => {});
    redis.disconnect();
  }
  await stack?.stop();
});

function get(path: string, cookie: string | null): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
}

const PAGES: { name: string; path: () => string; allowed: readonly Who[] }[] = [
  { name: "/admin", path: () => "/admin", allowed: STAFF },
  { name: "/admin/jobs", path: () => "/admin/jobs?status=failed&sort=updated", allowed: STAFF },
  { name: "/admin/jobs/[id]", path: () => `/admin/jobs/${failedJob}`, allowed: STAFF },
  { name: "/admin/audit", path: () => "/admin/audit", allowed: ["admin"] },
  { name: "/admin/api-keys", path: () => "/admin/api-keys", allowed: ["admin"] },
  { name: "/admin/webhooks", path: () => "/admin/webhooks", allowed: ["admin"] },
];

const PAGE_CASES = PAGES.flatMap((page) =>
  EVERYONE.map((who) => ({
    ...page,
    who,
    expected: who === "none" ? "redirect to sign-in" : page.allowed.includes(who) ? "200" : "403 page",
  })),
);

describe("pages", () => {
  it.each(PAGE_CASES)("$name as $who → $expected", async ({ path, who, expected }) => {
    const res = await get(path(), cookies[who]);
    if (expected === "redirect to sign-in") {
      expect(res.status).toBe(307);
      const location = new URL(res.headers.get("location") ?? "", stack.baseUrl);
      expect(location.pathname).toBe("/signin");
      expect(location.searchParams.get("callbackUrl")).toBe(path());
      return;
    }
    const html = await res.text();
    if (expected === "200") {
      expect(res.status).toBe(200);
      expect(html).toContain(`${who}@matrix.test`);
    } else {
      expect(res.status).toBe(403);
      expect(html).toContain("403 — Not allowed");
    }
  });

  it("shows the error detail to support and admin only, and the retry button to admin only", async () => {
    const seen: Record<string, { stderr: boolean; retry: boolean }> = {};
    for (const who of STAFF) {
      const html = await (await get(`/admin/jobs/${failedJob}`, cookies[who])).text();
      expect(html).toContain("RENDER_FAILED");
      seen[who] = { stderr: html.includes(STDERR_MARKER), retry: html.includes("Retry job") };
    }
    expect(seen).toEqual({
      ops: { stderr: false, retry: false },
      support: { stderr: true, retry: false },
      admin: { stderr: true, retry: true },
    });
  });

  it("answers 404 for a job that does not exist", async () => {
    const res = await get("/admin/jobs/job_AAAAAAAAAAAAAAAAAAAAAA", cookies.support);
    expect(res.status).toBe(404);
  });
});

/** A fixture error code no other case uses, so each bulk retry touches only its own job. */
function uniqueCode(): string {
  return `FIXTURE_${[...randomBytes(6)].map((b) => String.fromCharCode(65 + (b % 26))).join("")}`;
}

const ACTIONS = [
  {
    name: "POST /api/admin/jobs/[id]/retry",
    setup: async () => ({ id: await makeJobRow(stack, "failed"), query: "" }),
    path: (f: { id: string }) => `/api/admin/jobs/${f.id}/retry`,
    before: "failed",
    after: "queued",
  },
  {
    name: "POST /api/admin/jobs/[id]/cancel",
    setup: async () => ({ id: await makeJobRow(stack, "queued"), query: "" }),
    path: (f: { id: string }) => `/api/admin/jobs/${f.id}/cancel`,
    before: "queued",
    after: "canceled",
  },
  {
    // The fixture's files were never written: deleting a missing object is not an error (idempotent).
    name: "POST /api/admin/jobs/[id]/purge",
    setup: async () => ({ id: await makeJobRow(stack, "completed"), query: "" }),
    path: (f: { id: string }) => `/api/admin/jobs/${f.id}/purge`,
    before: "completed",
    after: "expired",
  },
  {
    name: "POST /api/admin/jobs/retry-failed",
    setup: async () => {
      const code = uniqueCode();
      return { id: await makeJobRow(stack, "failed", { errorCode: code }), query: `code=${code}` };
    },
    path: (f: { query: string }) => `/api/admin/jobs/retry-failed?${f.query}`,
    before: "failed",
    after: "queued",
  },
];

const ACTION_CASES = ACTIONS.flatMap((action) =>
  EVERYONE.map((who) => ({
    ...action,
    who,
    status: who === "none" ? 401 : who === "admin" ? 200 : 403,
  })),
);

describe("action routes", () => {
  it.each(ACTION_CASES)("$name as $who → $status", async ({ setup, path, who, status, before, after }) => {
    const fixture = await setup();
    const res = await adminPost(stack, path(fixture), cookies[who]);
    const body = (await res.json()) as { error?: { code: string } };
    expect(res.status, JSON.stringify(body)).toBe(status);
    if (status === 401) expect(body.error?.code).toBe("UNAUTHORIZED");
    if (status === 403) expect(body.error?.code).toBe("FORBIDDEN");
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: fixture.id } });
    expect(row.status).toBe(status === 200 ? after : before);
    const audits = await stack.db.auditLog.count({ where: { jobId: fixture.id } });
    expect(audits).toBe(status === 200 ? 1 : 0);
  });

  it("checks the role on the server, not only in middleware: a demoted or deleted user is refused at once", async () => {
    await upsertUser(stack.db, { email: "temp@matrix.test", role: "admin", password: "temp-password-1" });
    const cookie = await signIn(stack.baseUrl, "temp@matrix.test", "temp-password-1");
    const job = await makeJobRow(stack, "failed");

    // The session token still says admin; the User table no longer does.
    await stack.db.user.update({ where: { email: "temp@matrix.test" }, data: { role: "support" } });
    expect((await adminPost(stack, `/api/admin/jobs/${job}/retry`, cookie)).status).toBe(403);
    expect((await get("/admin/audit", cookie)).status).toBe(403);

    await stack.db.user.delete({ where: { email: "temp@matrix.test" } });
    const res = await adminPost(stack, `/api/admin/jobs/${job}/retry`, cookie);
    expect(res.status).toBe(401);
    const page = await get("/admin/jobs", cookie);
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toContain("/signin");
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: job } })).status).toBe("failed");
  });

  it("refuses a forged session cookie", async () => {
    const res = await adminPost(stack, `/api/admin/jobs/${failedJob}/retry`, "next-auth.session-token=forged.a.b.c.d");
    expect(res.status).toBe(401);
  });

  const CSRF_CASES: { name: string; headers: Record<string, string>; status: number }[] = [
    { name: "no Origin and no Sec-Fetch-Site", headers: {}, status: 403 },
    { name: "a foreign Origin", headers: { origin: "https://evil.example" }, status: 403 },
    { name: "Sec-Fetch-Site: cross-site", headers: { "sec-fetch-site": "cross-site" }, status: 403 },
    {
      name: "Sec-Fetch-Site: same-site (a sibling subdomain)",
      headers: { "sec-fetch-site": "same-site" },
      status: 403,
    },
    { name: "Sec-Fetch-Site: same-origin", headers: { "sec-fetch-site": "same-origin" }, status: 200 },
  ];

  it.each(CSRF_CASES)("an admin's mutation with $name → $status", async ({ headers, status }) => {
    const job = await makeJobRow(stack, "failed");
    const res = await adminPost(stack, `/api/admin/jobs/${job}/retry`, cookies.admin, headers);
    const body = (await res.json()) as { error?: { code: string } };
    expect(res.status).toBe(status);
    if (status === 403) expect(body.error?.code).toBe("CSRF");
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job } });
    expect(row.status).toBe(status === 200 ? "queued" : "failed");
  });

  const STATE_CASES = [
    { name: "retry a processing job", status: "processing", action: "retry", expected: 409, code: "INVALID_STATE" },
    { name: "retry a completed job", status: "completed", action: "retry", expected: 409, code: "INVALID_STATE" },
    { name: "cancel a completed job", status: "completed", action: "cancel", expected: 409, code: "INVALID_STATE" },
    { name: "cancel a failed job", status: "failed", action: "cancel", expected: 409, code: "INVALID_STATE" },
    { name: "cancel a canceled job", status: "canceled", action: "cancel", expected: 409, code: "INVALID_STATE" },
    { name: "retry an unknown job", status: null, action: "retry", expected: 404, code: "JOB_NOT_FOUND" },
    { name: "cancel a malformed id", status: null, action: "cancel", expected: 404, code: "JOB_NOT_FOUND" },
  ] as const;

  it.each(STATE_CASES)("admin: $name → $expected $code", async ({ status, action, expected, code }) => {
    const id = status ? await makeJobRow(stack, status) : action === "retry" ? "job_BBBBBBBBBBBBBBBBBBBBBB" : "nope";
    const res = await adminPost(stack, `/api/admin/jobs/${id}/${action}`, cookies.admin);
    const body = (await res.json()) as { error?: { code: string } };
    expect(res.status).toBe(expected);
    expect(body.error?.code).toBe(code);
    if (status) expect((await stack.db.job.findUniqueOrThrow({ where: { id } })).status).toBe(status);
  });

  it("bulk retry takes the list's filter: only the matching failed jobs run again, each with a new queue entry", async () => {
    const code = uniqueCode();
    const matching = [
      await makeJobRow(stack, "failed", { errorCode: code }),
      await makeJobRow(stack, "failed", { errorCode: code }),
    ];
    const otherCode = await makeJobRow(stack, "failed", { errorCode: uniqueCode() });
    const canceled = await makeJobRow(stack, "canceled");

    const res = await adminPost(stack, `/api/admin/jobs/retry-failed?code=${code}&page=3`, cookies.admin);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ matched: 2, retried: 2, skipped: 0, capped: false, limit: 500 });

    const queue = createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    for (const id of matching) {
      expect((await stack.db.job.findUniqueOrThrow({ where: { id } })).status).toBe("queued");
      expect(await queue.getJob(queueJobId(id, 1)), `queue entry of ${id}`).toBeTruthy();
    }
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: otherCode } })).status).toBe("failed");
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: canceled } })).status).toBe("canceled");
    const bulk = await stack.db.auditLog.findFirstOrThrow({
      where: { action: "job.bulk_retry" },
      orderBy: { id: "desc" },
    });
    expect(bulk).toMatchObject({
      userEmail: "admin@matrix.test",
      data: { via: "console", filter: `code=${code}`, retried: 2 },
    });

    // A status filter other than failed matches nothing to retry.
    const none = await adminPost(stack, `/api/admin/jobs/retry-failed?status=completed`, cookies.admin);
    expect(await none.json()).toMatchObject({ matched: 0, retried: 0 });
  });
  it("gives every retry a new queue entry and drops a previous run still waiting in the queue", async () => {
    const id = await makeJobRow(stack, "failed");
    const queue = createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    const first = await adminPost(stack, `/api/admin/jobs/${id}/retry`, cookies.admin);
    expect(await first.json()).toMatchObject({ run: 1 });
    expect(await queue.getJob(queueJobId(id, 1))).toBeTruthy();

    // Canceled while run 1 still waits for a worker, then retried again: run 2 replaces run 1.
    expect((await adminPost(stack, `/api/admin/jobs/${id}/cancel`, cookies.admin)).status).toBe(200);
    expect(await queue.getJob(queueJobId(id, 1))).toBeFalsy();
    const second = await adminPost(stack, `/api/admin/jobs/${id}/retry`, cookies.admin);
    expect(await second.json()).toMatchObject({ status: "queued", run: 2 });
    expect(await queue.getJob(queueJobId(id, 2))).toBeTruthy();

    const trail = await stack.db.auditLog.findMany({ where: { jobId: id }, orderBy: { id: "asc" } });
    expect(trail.map((a) => [a.action, (a.data as { run?: number }).run])).toEqual([
      ["job.retry", 1],
      ["job.cancel", undefined],
      ["job.retry", 2],
    ]);
    const events = await stack.db.jobEvent.findMany({ where: { jobId: id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["queued", "retried", "canceled", "retried"]);
  });
});
