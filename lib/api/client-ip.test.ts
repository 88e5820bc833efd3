import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { clientIp, hashClientIp, PEER_ADDRESS_HEADER, recordPeerAddresses } from "./client-ip";

describe("clientIp", () => {
  const peer = { [PEER_ADDRESS_HEADER]: "192.0.2.1" };
  it.each([
    {
      name: "the peer, ignoring a forged X-Forwarded-For without TRUST_PROXY",
      headers: { ...peer, "x-forwarded-for": "203.0.113.9" },
      trust: false,
      expected: "192.0.2.1",
    },
    {
      name: "the proxy's entry (the last) with TRUST_PROXY, not the client's own claim before it",
      headers: { ...peer, "x-forwarded-for": "10.0.0.1, 203.0.113.9" },
      trust: true,
      expected: "203.0.113.9",
    },
    { name: "the peer with TRUST_PROXY but no X-Forwarded-For", headers: peer, trust: true, expected: "192.0.2.1" },
    {
      name: "an IPv4-mapped IPv6 peer as the IPv4 address",
      headers: { [PEER_ADDRESS_HEADER]: "::ffff:127.0.0.1" },
      trust: false,
      expected: "127.0.0.1",
    },
    { name: "unknown without either", headers: {}, trust: false, expected: "unknown" },
  ])("reads $name", ({ headers, trust, expected }) => {
    expect(clientIp(headers, trust)).toBe(expected);
    expect(clientIp(new Headers(headers), trust)).toBe(expected);
  });
});

describe("recordPeerAddresses", () => {
  it("stamps the socket's address on every request, over any copy the client sent", async () => {
    recordPeerAddresses();
    const server = createServer((req, res) => res.end(String(req.headers[PEER_ADDRESS_HEADER])));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { [PEER_ADDRESS_HEADER]: "203.0.113.9" } });
      expect(await res.text()).toBe("127.0.0.1");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
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
