import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from "./passwords";

describe("passwords", () => {
  it("hashes with argon2id and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword("correct horse battery", hash)).toEqual({ ok: true, needsRehash: false });
    expect((await verifyPassword("correct horse battery!", hash)).ok).toBe(false);
  });

  it("still verifies a bcrypt hash from before, and asks for it to be replaced", async () => {
    const legacy = await bcrypt.hash("correct horse battery", 4);
    expect(await verifyPassword("correct horse battery", legacy)).toEqual({ ok: true, needsRehash: true });
    expect((await verifyPassword("wrong horse battery", legacy)).ok).toBe(false);
  });

  it("matches nothing against a malformed hash or with an oversized password", async () => {
    expect((await verifyPassword("anything at all", "not-a-hash")).ok).toBe(false);
    const hash = await hashPassword("a".repeat(256));
    expect((await verifyPassword("a".repeat(257), hash)).ok).toBe(false);
  });

  it("keeps the event loop free while hashing", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all(Array.from({ length: 8 }, () => hashPassword("correct horse battery")));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });

  it("refuses passwords that are too short or too long", () => {
    expect(() => checkPasswordPolicy("short")).toThrow(/at least 8/);
    expect(() => checkPasswordPolicy("é".repeat(129))).toThrow(/at most 256 bytes/);
    expect(() => checkPasswordPolicy("a".repeat(256))).not.toThrow();
  });

  it("generates distinct 24-character url-safe passwords", () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword()).not.toBe(a);
  });
});
