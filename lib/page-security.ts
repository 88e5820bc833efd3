import type { StorageConfig } from "./env/storage-env";
import { type HeaderSource, type OriginSettings, requestProtocol } from "./public-origin";

// The Content-Security-Policy and HSTS of HTML pages, set per request by middleware.ts. Next.js puts the
// nonce on its own <script> tags when it finds it in the request's Content-Security-Policy header, which is
// why every page renders dynamically (app/layout.tsx). The headers every response gets (nosniff,
// Referrer-Policy, X-Frame-Options) stay in next.config.ts.

export interface PageSecuritySettings extends OriginSettings {
  NODE_ENV: string;
  storage: StorageConfig;
}

/** Two years, the value browsers' preload lists ask for. */
const HSTS = "max-age=63072000; includeSubDomains";

/** A fresh, unguessable nonce (128 bits, base64) for one response. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Origins the browser talks to besides our own: with the s3 driver, uploads are PUT to presigned URLs on the
 * storage endpoint and the player loads the result from there. Path-style URLs use the endpoint's origin,
 * virtual-hosted ones `bucket.<endpoint host>`.
 */
export function storageOrigins(storage: StorageConfig): string[] {
  if (storage.driver !== "s3") return [];
  const endpoint = new URL(storage.endpoint);
  const virtualHosted = `${endpoint.protocol}//${storage.bucket}.${endpoint.host}`;
  return storage.forcePathStyle ? [endpoint.origin] : [virtualHosted];
}

/** The policy of one HTML response. */
export function contentSecurityPolicy(nonce: string, settings: PageSecuritySettings): string {
  const storage = storageOrigins(settings.storage);
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    // 'strict-dynamic': scripts Next's nonce'd scripts load (its chunks) run; no other script does.
    // React's development build needs eval for its debugging aids; production never does.
    [
      "script-src",
      "'self'",
      `'nonce-${nonce}'`,
      "'strict-dynamic'",
      ...(settings.NODE_ENV === "development" ? ["'unsafe-eval'"] : []),
    ],
    // Server-rendered style="" attributes (and React's) cannot carry a nonce; styles cannot run code.
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:", ...storage],
    ["media-src", "'self'", "blob:", ...storage],
    ["font-src", "'self'"],
    ["connect-src", "'self'", ...storage],
    // The console frames the queue board (/admin/queues/board), served from our own origin.
    ["frame-src", "'self'"],
    ["frame-ancestors", "'self'"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
  ];
  return directives.map((parts) => parts.join(" ")).join("; ");
}

/** Strict-Transport-Security only when the page is known to be served over https; null otherwise. */
export function strictTransportSecurity(headers: HeaderSource, settings: OriginSettings): string | null {
  return requestProtocol(headers, settings) === "https" ? HSTS : null;
}
