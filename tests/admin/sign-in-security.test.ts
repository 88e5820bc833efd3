import { execFile } from "node:child_process";
import path from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_LIMIT, CLIENT_LIMIT } from "../../lib/auth/sign-in-throttle";
import { upsertUser } from "../../lib/auth/users";
import { QUEUE_BOARD_PATH } from "../../lib/queue-board";
import { waitForDashboard } from "../dashboard/staff";
import { type Stack, startStack } from "../support/stack";
import { signInAttempt, signOut } from "./staff-sessions";

// Sign-in on a public address: guessing is throttled per account and per client (in Redis), an admin
// can lift a cool-down, old bcrypt hashes become argon2 at the next sign-in, and signing out (or a new
// password) ends the session everywhere — pages, the admin API and the queue board.
// The main stack runs behind a "proxy" (TRUST_PROXY=true): each test is its own client by the
// X-Forwarded-For it sends, so one test's failures never cool another down. A second app without
// TRUST_PROXY shows that a client cannot pick its address there.

const ROOT = path.resolve(import.meta.dirname, "../..");
const PASSWORD = "correct-horse-battery-1";
let stack: Stack;
let direct: Stack;

beforeAll(async () => {
  [stack, direct] = await Promise.all([
    startStack({ worker: false, dashboard: true, env: { TRUST_PROXY: "true" } }),
    startStack({ worker: false }),
  ]);
  await waitForDashboard(stack);
});

afterAll(async () => {
  await Promise.all([stack?.stop(), direct?.stop()]);
});

/** Headers of a request our trusted proxy forwards for `address`. */
const from = (address: string) => ({ "x-forwarded-for": address });

async function createUser(email: string, role: "admin" | "ops" | "support" = "admin", password = PASSWORD) {
  return (await upsertUser(stack.db, { email, role, password })).user;
}

function userUnlock(email: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "--silent", "user:unlock", "--", "--email", email],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: stack.env.DATABASE_URL,
          REDIS_URL: stack.env.REDIS_URL,
          QUEUE_PREFIX: stack.env.QUEUE_PREFIX,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

const retryAfter = (error: string | null) => Number(/^SignInThrottled:(\d+)$/.exec(error ?? "")?.[1] ?? Number.NaN);

describe("throttled sign-in", () => {
  it("refuses the 11th attempt on an account with a retry time, the right password too, until an admin unlocks it", async () => {
    await createUser("target@throttle.test");
    await createUser("bystander@throttle.test");
    const client = from("192.0.2.10");
    for (let i = 1; i <= ACCOUNT_LIMIT.points; i++) {
      const attempt = await signInAttempt(stack.baseUrl, "target@throttle.test", `wrong-password-${i}`, client);
      expect(attempt, `failure ${i}`).toEqual({ cookie: null, error: "CredentialsSignin" });
    }
    const eleventh = await signInAttempt(stack.baseUrl, "target@throttle.test", "wrong-password-11", client);
    expect(eleventh.cookie).toBeNull();
    expect(retryAfter(eleventh.error)).toBeGreaterThan(ACCOUNT_LIMIT.coolDownSec - 60);
    expect(retryAfter(eleventh.error)).toBeLessThanOrEqual(ACCOUNT_LIMIT.coolDownSec);

    // The right password too, and from another client too: it is the account that cools down.
    const right = await signInAttempt(stack.baseUrl, "Target@Throttle.test", PASSWORD, from("192.0.2.11"));
    expect(right.cookie).toBeNull();
    expect(right.error).toMatch(/^SignInThrottled:\d+$/);

    // Another account is unaffected.
    expect((await signInAttempt(stack.baseUrl, "bystander@throttle.test", PASSWORD, client)).cookie).not.toBeNull();

    const unlock = await userUnlock("target@throttle.test");
    expect(unlock.output).toMatch(/Unlocked target@throttle.test \(it was locked for another 1[45] min\)/);
    expect(unlock.code).toBe(0);
    const audit = await stack.db.auditLog.findFirstOrThrow({ where: { action: "user.unlock" } });
    expect(audit.userEmail).toMatch(/^cli:/);
    expect(audit.data).toMatchObject({ email: "target@throttle.test", via: "cli" });

    expect((await signInAttempt(stack.baseUrl, "target@throttle.test", PASSWORD, client)).cookie).not.toBeNull();
  });

  it("counts parallel guesses exactly: 30 at once on one account, only 10 are checked", async () => {
    await createUser("burst@throttle.test");
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        signInAttempt(stack.baseUrl, "burst@throttle.test", `wrong-${i}`, from(`192.0.2.${100 + i}`)),
      ),
    );
    const checked = attempts.filter((a) => a.error === "CredentialsSignin").length;
    const refused = attempts.filter((a) => a.error?.startsWith("SignInThrottled:")).length;
    expect(checked).toBe(ACCOUNT_LIMIT.points);
    expect(refused).toBe(30 - ACCOUNT_LIMIT.points);
    expect((await signInAttempt(stack.baseUrl, "burst@throttle.test", PASSWORD, from("192.0.2.99"))).error).toMatch(
      /^SignInThrottled:/,
    );
    await userUnlock("burst@throttle.test");
  });
});

describe("unlock in the console", () => {
  it("admins see the cool-down on the accounts page and lift it; ops may not; the audit log says who", async () => {
    const locked = await createUser("console-locked@throttle.test", "support");
    const admin = await createUser("console-admin@throttle.test", "admin");
    await createUser("console-ops@throttle.test", "ops");
    const client = from("192.0.2.40");
    const adminCookie = (await signInAttempt(stack.baseUrl, admin.email, PASSWORD, client)).cookie ?? "";
    const opsCookie = (await signInAttempt(stack.baseUrl, "console-ops@throttle.test", PASSWORD, client)).cookie ?? "";
    for (let i = 0; i <= ACCOUNT_LIMIT.points; i++) {
      await signInAttempt(stack.baseUrl, locked.email, `wrong-${i}`, client);
    }
    const page = await fetch(`${stack.baseUrl}/admin/users`, { headers: { cookie: adminCookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/console-locked@throttle.test.*Locked for 1[45] more min/s);
    expect((await fetch(`${stack.baseUrl}/admin/users`, { headers: { cookie: opsCookie } })).status).toBe(403);

    const unlock = (cookie: string, headers: Record<string, string> = { origin: stack.baseUrl }) =>
      fetch(`${stack.baseUrl}/api/admin/users/${locked.id}/unlock`, {
        method: "POST",
        headers: { cookie, ...headers },
      });
    expect((await unlock(opsCookie)).status).toBe(403);
    expect((await unlock(adminCookie, { origin: "https://evil.example" })).status).toBe(403);
    expect((await signInAttempt(stack.baseUrl, locked.email, PASSWORD, client)).error).toMatch(/^SignInThrottled:/);

    const done = await unlock(adminCookie);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ email: locked.email });
    expect((await signInAttempt(stack.baseUrl, locked.email, PASSWORD, client)).cookie).not.toBeNull();
    const audit = await stack.db.auditLog.findFirstOrThrow({
      where: { action: "user.unlock", userEmail: admin.email },
    });
    expect(audit.data).toMatchObject({ email: locked.email, via: "console" });
  });
});

describe("password hashes", () => {
  it("a user with a bcrypt hash signs in, and the stored hash becomes argon2id", async () => {
    const legacy = await bcrypt.hash(PASSWORD, 10);
    const user = await stack.db.user.create({
      data: { email: "legacy@hash.test", role: "support", passwordHash: legacy },
    });
    expect((await signInAttempt(stack.baseUrl, "legacy@hash.test", PASSWORD)).cookie).not.toBeNull();
    const after = await stack.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.passwordHash).toMatch(/^\$argon2id\$/);
    // The new hash works, and the wrong password still fails.
    expect((await signInAttempt(stack.baseUrl, "legacy@hash.test", PASSWORD)).cookie).not.toBeNull();
    expect((await signInAttempt(stack.baseUrl, "legacy@hash.test", "not-the-password")).cookie).toBeNull();
  });
});

describe("ending sessions", () => {
  const get = (url: string, cookie: string) => fetch(url, { headers: { cookie }, redirect: "manual" });
  const cancelUnknownJob = (cookie: string) =>
    fetch(`${stack.baseUrl}/api/admin/jobs/job_doesnotexist0000000000/cancel`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: stack.baseUrl },
    });
  const boardApi = () => `${stack.baseUrl}${QUEUE_BOARD_PATH}/api/queues`;

  /** What a cookie opens: the console page, the admin API (404 = let in, job unknown), the board. */
  async function reach(cookie: string) {
    const page = await get(`${stack.baseUrl}/admin`, cookie);
    return {
      page: page.status === 200 ? "open" : (page.headers.get("location") ?? String(page.status)),
      api: (await cancelUnknownJob(cookie)).status,
      board: (await get(boardApi(), cookie)).status,
    };
  }

  it("a cookie copied before sign-out stops working after it: pages, admin API, queue board", async () => {
    await createUser("leaver@session.test", "admin");
    const { cookie } = await signInAttempt(stack.baseUrl, "leaver@session.test", PASSWORD);
    if (!cookie) throw new Error("sign-in failed");
    const stolen = cookie;
    expect(await reach(stolen)).toEqual({ page: "open", api: 404, board: 200 });

    await signOut(stack.baseUrl, cookie);
    const after = await reach(stolen);
    expect(after.page).toMatch(/\/signin/);
    expect(after.api).toBe(401);
    expect(after.board).toBe(401);

    // Signing in again gives a working session.
    const fresh = (await signInAttempt(stack.baseUrl, "leaver@session.test", PASSWORD)).cookie ?? "";
    expect(await reach(fresh)).toEqual({ page: "open", api: 404, board: 200 });
  });

  it("a new password ends the sessions signed in with the old one", async () => {
    await createUser("rotated@session.test", "admin");
    const before = (await signInAttempt(stack.baseUrl, "rotated@session.test", PASSWORD)).cookie ?? "";
    expect((await cancelUnknownJob(before)).status).toBe(404);
    await upsertUser(stack.db, { email: "rotated@session.test", role: "admin", password: "another-password-2" });
    expect((await cancelUnknownJob(before)).status).toBe(401);
    expect((await get(boardApi(), before)).status).toBe(401);
    const after = (await signInAttempt(stack.baseUrl, "rotated@session.test", "another-password-2")).cookie ?? "";
    expect((await cancelUnknownJob(after)).status).toBe(404);
  });
});

describe("per-client limit", () => {
  it("stops one client guessing across many accounts; other clients still sign in", async () => {
    await createUser("innocent@client.test");
    for (let i = 1; i <= CLIENT_LIMIT.points; i++) {
      // Entries before the last are the client's own claims: only what our proxy appended counts.
      const claimed = { "x-forwarded-for": `10.9.8.${i}, 198.51.100.1` };
      const attempt = await signInAttempt(stack.baseUrl, `spray-${i}@client.test`, "Password1!", claimed);
      expect(attempt.error, `failure ${i}`).toBe("CredentialsSignin");
    }
    const next = await signInAttempt(stack.baseUrl, "spray-next@client.test", "Password1!", from("198.51.100.1"));
    expect(retryAfter(next.error)).toBeGreaterThan(CLIENT_LIMIT.coolDownSec - 60);
    const right = await signInAttempt(stack.baseUrl, "innocent@client.test", PASSWORD, from("198.51.100.1"));
    expect(right.error).toMatch(/^SignInThrottled:/);
    expect(
      (await signInAttempt(stack.baseUrl, "innocent@client.test", PASSWORD, from("198.51.100.2"))).cookie,
    ).not.toBeNull();
  });

  it("without TRUST_PROXY, the X-Forwarded-For a client sends does not make it a new client", async () => {
    for (let i = 1; i <= CLIENT_LIMIT.points; i++) {
      const spoofed = { "x-forwarded-for": `203.0.113.${i}`, "x-captioner-peer-address": `203.0.113.${i}` };
      const attempt = await signInAttempt(direct.baseUrl, `spray-${i}@direct.test`, "Password1!", spoofed);
      expect(attempt.error, `failure ${i}`).toBe("CredentialsSignin");
    }
    const next = await signInAttempt(direct.baseUrl, "spray-next@direct.test", "Password1!", from("203.0.113.200"));
    expect(next.error).toMatch(/^SignInThrottled:\d+$/);
  });
});
