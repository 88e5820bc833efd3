// The one place that decides the origin (scheme://host[:port]) our absolute links start with — the
// upload and download URLs of the local storage driver — for API routes and server-rendered pages alike.
//
// `request.url` is no use for this: `next start` reports its own listen address (localhost:3000) whatever
// the browser asked for, so a page opened at http://127.0.0.1:3000 or a LAN address got links to another
// origin and the browser blocked them. The browser's own view is the Host header. X-Forwarded-* headers are
// only believed when a proxy we trust sets them (TRUST_PROXY): anyone can send them straight to the app.

export interface OriginSettings {
  /** The configured public URL; when set it always wins. */
  APP_URL?: string;
  /** true when a reverse proxy in front of the app sets X-Forwarded-Host/-Proto (and strips the client's). */
  TRUST_PROXY: boolean;
}

/** Anything with `get(name)`: the Fetch API's Headers, or Next's `headers()` in a page. */
export interface HeaderSource {
  get(name: string): string | null;
}

// A DNS name (underscores allowed: container names have them), an IPv4 address or a bracketed IPv6
// address, then an optional port. Nothing else may pass: a Host value ends up inside the links we hand out.
const HOST =
  /^(?:[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*\.?|\[[0-9a-f:.]{2,45}\])(?::(\d{1,5}))?$/i;

/**
 * The public origin for links in this request's response: APP_URL's origin when set; otherwise the Host
 * the client used (with TRUST_PROXY: the proxy's X-Forwarded-Host and -Proto). "" when no usable host was
 * sent — links then come out relative to wherever the client is, never pointing at a guessed host.
 */
export function publicOrigin(headers: HeaderSource, settings: OriginSettings): string {
  if (settings.APP_URL) return new URL(settings.APP_URL).origin;
  const forwardedHost = settings.TRUST_PROXY ? firstValue(headers.get("x-forwarded-host")) : null;
  const host = [forwardedHost, headers.get("host")].find((candidate) => candidate && isValidHost(candidate));
  if (!host) return "";
  return `${requestProtocol(headers, settings)}://${host.toLowerCase()}`;
}

/** "https" only when it can be known: an https APP_URL, or a trusted proxy saying so. The app itself speaks http. */
export function requestProtocol(headers: HeaderSource, settings: OriginSettings): "http" | "https" {
  if (settings.APP_URL) return new URL(settings.APP_URL).protocol === "https:" ? "https" : "http";
  if (!settings.TRUST_PROXY) return "http";
  return firstValue(headers.get("x-forwarded-proto"))?.toLowerCase() === "https" ? "https" : "http";
}

/** A syntactically valid `host[:port]` with a port from 1 to 65535 and no more than 255 characters. */
export function isValidHost(value: string): boolean {
  if (value.length > 255) return false;
  const match = HOST.exec(value);
  if (!match) return false;
  const port = match[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** The first entry of a comma-separated forwarded header: the one the outermost proxy saw. */
function firstValue(header: string | null): string | null {
  const first = header?.split(",")[0]?.trim();
  return first ? first : null;
}
