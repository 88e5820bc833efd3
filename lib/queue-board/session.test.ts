import { encode } from "next-auth/jwt";
import { describe, expect, test } from "vitest";
import { parseCookieHeader, readStaffSession } from "./session";

// The console's next-auth cookie as the dashboard reads it. Tokens are minted with next-auth's own
// encode(), i.e. exactly what its sign-in puts in the cookie.

const secret = "session-test-secret-0123456789";
const claims = { sub: "user_1", email: "ops@captioner.test", name: "Ops", role: "ops", sessionVersion: 3 };

async function token(payload: Record<string, unknown> = claims, options: { secret?: string; maxAge?: number } = {}) {
  return encode({ token: payload as never, secret: options.secret ?? secret, maxAge: options.maxAge });
}

describe("readStaffSession", () => {
  test("reads the session from the http or the https cookie name", async () => {
    const value = await token();
    const expected = { userId: "user_1", email: "ops@captioner.test", name: "Ops", role: "ops", sessionVersion: 3 };
    expect(await readStaffSession({ "next-auth.session-token": value }, secret)).toEqual(expected);
    expect(await readStaffSession({ "__Secure-next-auth.session-token": value }, secret)).toEqual(expected);
  });

  test("reads a token from before session versions as version 0", async () => {
    const { sessionVersion: _, ...older } = claims;
    const value = await token(older);
    expect((await readStaffSession({ "next-auth.session-token": value }, secret))?.sessionVersion).toBe(0);
  });

  test("joins a token next-auth split into chunks", async () => {
    const value = await token();
    const half = Math.floor(value.length / 2);
    const cookies = {
      "next-auth.session-token.1": value.slice(half),
      "next-auth.session-token.0": value.slice(0, half),
    };
    expect((await readStaffSession(cookies, secret))?.userId).toBe("user_1");
  });

  test.each([
    ["no cookie", async () => ({})],
    ["another cookie only", async () => ({ theme: "dark" })],
    ["garbage", async () => ({ "next-auth.session-token": "not-a-jwe" })],
    ["another secret", async () => ({ "next-auth.session-token": await token(claims, { secret: "x".repeat(32) }) })],
    ["expired", async () => ({ "next-auth.session-token": await token(claims, { maxAge: -60 }) })],
    ["no role", async () => ({ "next-auth.session-token": await token({ sub: "u", email: "e@x" }) })],
    ["no subject", async () => ({ "next-auth.session-token": await token({ email: "e@x", role: "admin" }) })],
  ])("%s → no session", async (_name, cookies) => {
    expect(await readStaffSession(await cookies(), secret)).toBeNull();
  });
});

describe("parseCookieHeader", () => {
  test("splits, trims, decodes, keeps the first of duplicates", () => {
    expect(parseCookieHeader('a=1; b=%20two ; c="quoted"; a=2; bad; =x; d=%E0%A4%A')).toEqual({
      a: "1",
      b: " two",
      c: "quoted",
      d: "%E0%A4%A",
    });
    expect(parseCookieHeader(undefined)).toEqual({});
  });
});
