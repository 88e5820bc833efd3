import { describe, expect, it } from "vitest";
import { expectedOrigins, isSameOriginRequest } from "./same-origin";

const APP = "https://captions.example.com";

function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}

describe("isSameOriginRequest", () => {
  const origins = expectedOrigins(headers({ host: "captions.example.com" }), [APP]);

  it.each<{ name: string; h: Record<string, string>; ok: boolean }>([
    { name: "Sec-Fetch-Site same-origin", h: { "sec-fetch-site": "same-origin" }, ok: true },
    { name: "matching Origin without Sec-Fetch-Site", h: { origin: APP }, ok: true },
    {
      name: "matching Origin but Sec-Fetch-Site cross-site",
      h: { origin: APP, "sec-fetch-site": "cross-site" },
      ok: false,
    },
    { name: "Sec-Fetch-Site same-site (a sibling subdomain)", h: { "sec-fetch-site": "same-site" }, ok: false },
    { name: "Sec-Fetch-Site none (typed in the address bar)", h: { "sec-fetch-site": "none" }, ok: false },
    { name: "foreign Origin", h: { origin: "https://evil.example" }, ok: false },
    { name: "Origin of the same host on another port", h: { origin: "https://captions.example.com:8443" }, ok: false },
    { name: "opaque Origin null (sandboxed frame)", h: { origin: "null" }, ok: false },
    { name: "neither header", h: {}, ok: false },
  ])("$name → $ok", ({ h, ok }) => {
    expect(isSameOriginRequest(headers(h), origins)).toBe(ok);
  });
});

describe("expectedOrigins", () => {
  it("includes the configured URLs' origins and the host the request reached, http and https", () => {
    const origins = expectedOrigins(headers({ host: "10.0.0.5:3000" }), [`${APP}/some/path`, undefined, "not a url"]);
    expect(origins).toEqual([APP, "http://10.0.0.5:3000", "https://10.0.0.5:3000"]);
  });

  it("with a trusted proxy, prefers its forwarded host and protocol", () => {
    const origins = expectedOrigins(
      headers({ host: "app:3000", "x-forwarded-host": "captions.example.com", "x-forwarded-proto": "https, http" }),
      [],
      true,
    );
    expect(origins).toContain(APP);
    expect(origins).not.toContain("http://app:3000");
  });

  it("without TRUST_PROXY, ignores forwarded headers anyone could send", () => {
    const origins = expectedOrigins(headers({ host: "app:3000", "x-forwarded-host": "evil.example" }), []);
    expect(origins).toEqual(["http://app:3000", "https://app:3000"]);
  });
});
