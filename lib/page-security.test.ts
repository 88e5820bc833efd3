import { describe, expect, it } from "vitest";
import type { StorageConfig } from "./env/storage-env";
import { contentSecurityPolicy, newNonce, storageOrigins, strictTransportSecurity } from "./page-security";

const local: StorageConfig = { driver: "local", dataDir: ".data", signingSecret: "x".repeat(16) };
const r2 = (forcePathStyle: boolean): StorageConfig => ({
  driver: "s3",
  endpoint: "https://account.r2.cloudflarestorage.com",
  bucket: "captioner",
  accessKeyId: "id",
  secretAccessKey: "secret",
  region: "auto",
  forcePathStyle,
});

/** The policy as { directive: sources }. */
function parse(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split("; ").map((part) => {
      const [name = "", ...sources] = part.split(" ");
      return [name, sources];
    }),
  );
}

describe("contentSecurityPolicy", () => {
  it("local storage: scripts only by nonce, nothing from elsewhere, no plugins, no foreign framing", () => {
    const policy = parse(
      contentSecurityPolicy("abc123==", { NODE_ENV: "production", TRUST_PROXY: false, storage: local }),
    );
    expect(policy).toEqual({
      "default-src": ["'self'"],
      "script-src": ["'self'", "'nonce-abc123=='", "'strict-dynamic'"],
      "style-src": ["'self'", "'unsafe-inline'"],
      "img-src": ["'self'", "data:", "blob:"],
      "media-src": ["'self'", "blob:"],
      "font-src": ["'self'"],
      "connect-src": ["'self'"],
      "frame-src": ["'self'"],
      "frame-ancestors": ["'self'"],
      "object-src": ["'none'"],
      "base-uri": ["'self'"],
      "form-action": ["'self'"],
    });
  });

  it.each([
    ["path-style", true, "https://account.r2.cloudflarestorage.com"],
    ["virtual-hosted", false, "https://captioner.account.r2.cloudflarestorage.com"],
  ])(
    "R2 (%s URLs): presigned uploads, the player and images may use the storage origin",
    (_name, pathStyle, origin) => {
      const policy = parse(
        contentSecurityPolicy("n", { NODE_ENV: "production", TRUST_PROXY: false, storage: r2(pathStyle) }),
      );
      expect(storageOrigins(r2(pathStyle))).toEqual([origin]);
      expect(policy["connect-src"]).toEqual(["'self'", origin]);
      expect(policy["media-src"]).toEqual(["'self'", "blob:", origin]);
      expect(policy["img-src"]).toEqual(["'self'", "data:", "blob:", origin]);
      expect(policy["script-src"]).not.toContain(origin);
    },
  );

  it("development adds only 'unsafe-eval' (React's dev build needs it)", () => {
    const dev = parse(contentSecurityPolicy("n", { NODE_ENV: "development", TRUST_PROXY: false, storage: local }));
    expect(dev["script-src"]).toEqual(["'self'", "'nonce-n'", "'strict-dynamic'", "'unsafe-eval'"]);
  });
});

describe("newNonce", () => {
  it("is 128 random bits in base64, different every time", () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe("strictTransportSecurity", () => {
  const hsts = "max-age=63072000; includeSubDomains";
  it.each<[string, Record<string, string>, { APP_URL?: string; TRUST_PROXY: boolean }, string | null]>([
    ["https APP_URL", {}, { APP_URL: "https://captions.example.com", TRUST_PROXY: false }, hsts],
    ["http APP_URL", { "x-forwarded-proto": "https" }, { APP_URL: "http://10.0.0.5:3000", TRUST_PROXY: true }, null],
    ["trusted proxy over https", { "x-forwarded-proto": "https" }, { TRUST_PROXY: true }, hsts],
    ["trusted proxy over http", { "x-forwarded-proto": "http" }, { TRUST_PROXY: true }, null],
    ["untrusted X-Forwarded-Proto", { "x-forwarded-proto": "https" }, { TRUST_PROXY: false }, null],
    ["plain http", {}, { TRUST_PROXY: false }, null],
  ])("%s → %s", (_name, headers, settings, expected) => {
    expect(strictTransportSecurity(new Headers(headers), settings)).toBe(expected);
  });
});
