import { describe, expect, it } from "vitest";
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from "./passwords";

describe("passwords", () => {
  it("hashes with bcrypt at cost 12 and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery!", hash)).toBe(false);
  });

  it("refuses passwords that are too short, or longer than bcrypt reads (72 bytes)", () => {
    expect(() => checkPasswordPolicy("short")).toThrow(/at least 8/);
    expect(() => checkPasswordPolicy("é".repeat(37))).toThrow(/at most 72 bytes/);
    expect(() => checkPasswordPolicy("a".repeat(72))).not.toThrow();
  });

  it("generates distinct 24-character url-safe passwords", () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword()).not.toBe(a);
  });
});
