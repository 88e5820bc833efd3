import { describe, expect, it } from "vitest";
import { clientIp, hashClientIp } from "./client-ip";

describe("clientIp", () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  it.each([
    { name: "the peer, ignoring a forged X-Forwarded-For without TRUST_PROXY", trust: false, expected: "10.0.0.7" },
    { name: "the first X-Forwarded-For entry with TRUST_PROXY", trust: true, expected: "203.0.113.9" },
  ])("reads $name", ({ trust, expected }) => {
    const h = headers({ "x-forwarded-for": "203.0.113.9, 10.0.0.1", "x-captioner-peer-address": "10.0.0.7" });
    expect(clientIp(h, trust)).toBe(expected);
  });

  it("treats an IPv4-mapped IPv6 peer as the IPv4 address", () => {
    expect(clientIp(headers({ "x-captioner-peer-address": "::ffff:127.0.0.1" }), false)).toBe("127.0.0.1");
  });

  it("falls back to the peer when a trusted proxy sent no X-Forwarded-For", () => {
    expect(clientIp(headers({ "x-captioner-peer-address": "10.0.0.7" }), true)).toBe("10.0.0.7");
  });
});

describe("hashClientIp", () => {
  it("is stable per secret and does not contain the address", () => {
    const a = hashClientIp("192.0.2.1", "secret-one-123456");
    expect(a).toBe(hashClientIp("192.0.2.1", "secret-one-123456"));
    expect(a).not.toBe(hashClientIp("192.0.2.1", "secret-two-123456"));
    expect(a).not.toBe(hashClientIp("192.0.2.2", "secret-one-123456"));
    expect(a).toMatch(/^ip_[0-9a-f]{16}$/);
  });
});
