import { describe, expect, it } from "vitest";
import { assertPublicTarget, isPrivateAddress } from "./target-guard";

describe("isPrivateAddress", () => {
  it.each([
    "127.0.0.1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "::",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "not-an-ip",
  ])("refuses %s", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("allows %s", (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe("assertPublicTarget", () => {
  it("refuses a name that resolves to loopback (every address is checked)", async () => {
    await expect(assertPublicTarget(new URL("http://localhost:8080/x"), false)).rejects.toThrow(/private or loopback/);
  });

  it("allows private targets when told to", async () => {
    await expect(assertPublicTarget(new URL("http://127.0.0.1:8080/x"), true)).resolves.toBeUndefined();
  });

  it("refuses other schemes", async () => {
    await expect(assertPublicTarget(new URL("file:///etc/passwd"), true)).rejects.toThrow(/http/);
  });
});
