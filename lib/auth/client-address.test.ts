import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { clientAddress, PEER_ADDRESS_HEADER, recordPeerAddresses } from "./client-address";

describe("clientAddress", () => {
  const peer = { [PEER_ADDRESS_HEADER]: "192.0.2.1" };
  it.each([
    {
      name: "the peer without TRUST_PROXY",
      headers: { ...peer, "x-forwarded-for": "203.0.113.9" },
      trust: false,
      expected: "192.0.2.1",
    },
    {
      name: "the proxy's entry (the last) with TRUST_PROXY",
      headers: { ...peer, "x-forwarded-for": "10.0.0.1, 203.0.113.9" },
      trust: true,
      expected: "203.0.113.9",
    },
    { name: "the peer with TRUST_PROXY but no X-Forwarded-For", headers: peer, trust: true, expected: "192.0.2.1" },
    { name: "unknown without either", headers: {}, trust: false, expected: "unknown" },
  ])("$name", ({ headers, trust, expected }) => {
    expect(clientAddress(headers, trust)).toBe(expected);
    expect(clientAddress(new Headers(headers), trust)).toBe(expected);
  });
});

describe("recordPeerAddresses", () => {
  it("stamps the socket's address on every request, over any copy the client sent", async () => {
    await recordPeerAddresses();
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
