import { describe, expect, it } from "vitest";
import { isValidHost, publicOrigin, requestProtocol } from "./public-origin";

const direct = { TRUST_PROXY: false };
const proxied = { TRUST_PROXY: true };

describe("publicOrigin", () => {
  it.each<{
    name: string;
    h: Record<string, string>;
    settings: { APP_URL?: string; TRUST_PROXY: boolean };
    origin: string;
  }>([
    {
      name: "APP_URL wins over every header",
      h: { host: "10.0.0.5:3000", "x-forwarded-host": "evil.example" },
      settings: { APP_URL: "https://captions.example.com/some/path/", TRUST_PROXY: true },
      origin: "https://captions.example.com",
    },
    { name: "127.0.0.1 with a port", h: { host: "127.0.0.1:3000" }, settings: direct, origin: "http://127.0.0.1:3000" },
    { name: "localhost", h: { host: "localhost:3000" }, settings: direct, origin: "http://localhost:3000" },
    {
      name: "a LAN address without a port",
      h: { host: "192.168.1.20" },
      settings: direct,
      origin: "http://192.168.1.20",
    },
    {
      name: "a made-up host name",
      h: { host: "captioner.test:4123" },
      settings: direct,
      origin: "http://captioner.test:4123",
    },
    { name: "IPv6 in brackets", h: { host: "[::1]:3000" }, settings: direct, origin: "http://[::1]:3000" },
    {
      name: "a container name with an underscore",
      h: { host: "captioner_app_1:3000" },
      settings: direct,
      origin: "http://captioner_app_1:3000",
    },
    {
      name: "upper case is folded",
      h: { host: "Captions.Example.COM" },
      settings: direct,
      origin: "http://captions.example.com",
    },
    {
      name: "forwarded headers are ignored without TRUST_PROXY",
      h: { host: "app:3000", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" },
      settings: direct,
      origin: "http://app:3000",
    },
    {
      name: "TRUST_PROXY: the proxy's host and protocol (first of a list)",
      h: { host: "app:3000", "x-forwarded-host": "captions.example.com, app:3000", "x-forwarded-proto": "https, http" },
      settings: proxied,
      origin: "https://captions.example.com",
    },
    {
      name: "TRUST_PROXY without forwarded headers: the Host over http",
      h: { host: "captions.example.com" },
      settings: proxied,
      origin: "http://captions.example.com",
    },
    {
      name: "TRUST_PROXY with a malformed forwarded host: the Host",
      h: { host: "captions.example.com", "x-forwarded-host": "evil.example/path?x=" },
      settings: proxied,
      origin: "http://captions.example.com",
    },
    {
      name: "TRUST_PROXY with an unknown forwarded protocol: http",
      h: { host: "captions.example.com", "x-forwarded-proto": "javascript" },
      settings: proxied,
      origin: "http://captions.example.com",
    },
    { name: "no Host at all: relative links", h: {}, settings: direct, origin: "" },
    { name: "a path in the Host", h: { host: "evil.example/steal?" }, settings: direct, origin: "" },
    { name: "credentials in the Host", h: { host: "user:pw@evil.example" }, settings: direct, origin: "" },
    { name: "spaces in the Host", h: { host: "a b" }, settings: direct, origin: "" },
    { name: "markup in the Host", h: { host: '"><script>' }, settings: direct, origin: "" },
    { name: "a port out of range", h: { host: "example.com:70000" }, settings: direct, origin: "" },
    { name: "port zero", h: { host: "example.com:0" }, settings: direct, origin: "" },
    { name: "an empty port", h: { host: "example.com:" }, settings: direct, origin: "" },
    { name: "unbracketed IPv6", h: { host: "::1" }, settings: direct, origin: "" },
  ])("$name → '$origin'", ({ h, settings, origin }) => {
    expect(publicOrigin(new Headers(h), settings)).toBe(origin);
  });

  it("refuses a host name longer than 255 characters", () => {
    const long = `${"a.".repeat(130)}com`;
    expect(publicOrigin(new Headers({ host: long }), direct)).toBe("");
  });

  it("a header value with CR/LF cannot even be constructed, and a raw one is refused", () => {
    expect(() => new Headers({ host: "a.example\r\nSet-Cookie: x=1" })).toThrow();
    const raw = { get: (name: string) => (name === "host" ? "a.example\r\nSet-Cookie: x=1" : null) };
    expect(publicOrigin(raw, direct)).toBe("");
  });
});

describe("requestProtocol", () => {
  it.each<{
    name: string;
    h: Record<string, string>;
    settings: { APP_URL?: string; TRUST_PROXY: boolean };
    proto: string;
  }>([
    { name: "https APP_URL", h: {}, settings: { APP_URL: "https://a.example", TRUST_PROXY: false }, proto: "https" },
    {
      name: "http APP_URL beats a proxy's https",
      h: { "x-forwarded-proto": "https" },
      settings: { APP_URL: "http://a.example", TRUST_PROXY: true },
      proto: "http",
    },
    { name: "untrusted X-Forwarded-Proto", h: { "x-forwarded-proto": "https" }, settings: direct, proto: "http" },
    { name: "trusted X-Forwarded-Proto", h: { "x-forwarded-proto": "HTTPS" }, settings: proxied, proto: "https" },
  ])("$name → $proto", ({ h, settings, proto }) => {
    expect(requestProtocol(new Headers(h), settings)).toBe(proto);
  });
});

describe("isValidHost", () => {
  it.each(["a", "a.b.c", "a-b.example:65535", "1.2.3.4:1", "[2001:db8::1]", "example.com."])("accepts %s", (host) => {
    expect(isValidHost(host)).toBe(true);
  });
  it.each(["", "-", ".example", "a..b", "a/b", "a?b", "a#b", "a@b", "[zz::1]", "a:b"])("refuses %s", (host) => {
    expect(isValidHost(host)).toBe(false);
  });
});
