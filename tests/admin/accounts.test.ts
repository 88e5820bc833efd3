import { execFile } from "node:child_process";
import path from "node:path";
import { decode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureFirstAdmin } from "../../scripts/lib/first-admin";
import { type Stack, startStack } from "../support/stack";
import { signIn } from "./staff-sessions";

// Who can sign in: the first admin `npm start` makes, ADMIN_EMAIL/ADMIN_PASSWORD, `npm run user:create`,
// and the session cookie's contract with the queue board server (a standard next-auth JWT with the role).

const ROOT = path.resolve(import.meta.dirname, "../..");
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});

afterAll(async () => {
  await stack?.stop();
});

async function sessionOf(cookie: string) {
  const res = await fetch(`${stack.baseUrl}/api/auth/session`, { headers: { cookie } });
  return (await res.json()) as { user?: { id: string; email: string; role: string } };
}

/** Async on purpose: a blocked event loop would miss the app closing idle keep-alive sockets. */
function userCreate(...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      "npm",
      ["run", "--silent", "user:create", "--", ...args],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: stack.env.DATABASE_URL } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe("staff accounts", () => {
  // Runs first, while the User table is still empty.
  it("on a first start without ADMIN_EMAIL, creates admin@localhost and prints its password once", async () => {
    const lines: string[] = [];
    await ensureFirstAdmin({ ...stack.env }, (line) => lines.push(line));
    const password = lines.join("\n").match(/password: (\S+)/)?.[1] ?? "";
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const cookie = await signIn(stack.baseUrl, "admin@localhost", password);
    expect(cookie).not.toBeNull();
    expect((await sessionOf(cookie ?? "")).user).toMatchObject({ email: "admin@localhost", role: "admin" });

    const second: string[] = [];
    await ensureFirstAdmin({ ...stack.env }, (line) => second.push(line));
    expect(second).toEqual([]);
  });

  it("ADMIN_EMAIL + ADMIN_PASSWORD create that admin, and a changed password replaces the old one", async () => {
    const env = {
      ...stack.env,
      ADMIN_EMAIL: "Boss@Example.test",
      ADMIN_PASSWORD: "first-pass-123",
    };
    await ensureFirstAdmin(env, () => {});
    expect(await signIn(stack.baseUrl, "boss@example.test", "first-pass-123")).not.toBeNull();

    const lines: string[] = [];
    await ensureFirstAdmin({ ...env, ADMIN_PASSWORD: "second-pass-456" }, (line) => lines.push(line));
    expect(lines.join("\n")).not.toContain("second-pass-456");
    expect(await signIn(stack.baseUrl, "boss@example.test", "first-pass-123")).toBeNull();
    const cookie = await signIn(stack.baseUrl, "boss@example.test", "second-pass-456");
    expect((await sessionOf(cookie ?? "")).user?.role).toBe("admin");

    await expect(ensureFirstAdmin({ ...env, ADMIN_EMAIL: "" }, () => {})).rejects.toThrow(/ADMIN_EMAIL/);
  });

  it("npm run user:create adds a user with a generated password and later changes its role and password", async () => {
    const created = await userCreate("--email", "Ops@Example.test", "--role", "ops");
    expect(created.code, created.output).toBe(0);
    const password = created.output.match(/Password \(shown only this once\): (\S+)/)?.[1] ?? "";
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);

    const opsCookie = await signIn(stack.baseUrl, "ops@example.test", password);
    expect((await sessionOf(opsCookie ?? "")).user).toMatchObject({ email: "ops@example.test", role: "ops" });

    const updated = await userCreate(
      "--email",
      "ops@example.test",
      "--role",
      "support",
      "--password",
      "support-pass-789",
    );
    expect(updated.code, updated.output).toBe(0);
    expect(updated.output).toContain("Updated ops@example.test (role support)");
    expect(await signIn(stack.baseUrl, "ops@example.test", password)).toBeNull();
    const supportCookie = await signIn(stack.baseUrl, "ops@example.test", "support-pass-789");
    expect((await sessionOf(supportCookie ?? "")).user?.role).toBe("support");

    const badRole = await userCreate("--email", "x@example.test", "--role", "root");
    expect(badRole.code).toBe(2);
    expect(badRole.output).toContain("--role must be one of admin, ops, support");
    const shortPassword = await userCreate("--email", "x@example.test", "--role", "ops", "--password", "short");
    expect(shortPassword.code).toBe(2);
    expect(shortPassword.output).toContain("at least 8 characters");
  });

  it("refuses a wrong password and an unknown email alike, with no session cookie", async () => {
    for (const [email, password] of [
      ["boss@example.test", "not-the-password"],
      ["nobody@example.test", "second-pass-456"],
    ] as const) {
      const csrf = await fetch(`${stack.baseUrl}/api/auth/csrf`);
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      const res = await fetch(`${stack.baseUrl}/api/auth/callback/credentials`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: csrf.headers
            .getSetCookie()
            .map((c) => c.split(";")[0])
            .join("; "),
        },
        body: new URLSearchParams({ csrfToken, email, password }),
      });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toContain("error=CredentialsSignin");
      expect(res.headers.getSetCookie().some((c) => c.startsWith("next-auth.session-token="))).toBe(false);
    }
  });

  it("issues next-auth's standard encrypted JWT, which the queue board server decodes with the shared secret", async () => {
    const cookie = await signIn(stack.baseUrl, "boss@example.test", "second-pass-456");
    const value = cookie?.match(/next-auth\.session-token=([^;]+)/)?.[1] ?? "";
    expect(value.split(".")).toHaveLength(5); // JWE compact form: encrypted, not just signed
    const token = await decode({ token: value, secret: stack.env.NEXTAUTH_SECRET ?? "" });
    const user = await stack.db.user.findUniqueOrThrow({ where: { email: "boss@example.test" } });
    expect(token).toMatchObject({ sub: user.id, email: "boss@example.test", role: "admin" });
    expect(await decode({ token: value, secret: "some-other-secret-of-32-characters" }).catch(() => null)).toBeNull();
  });
});
