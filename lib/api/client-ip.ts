import { createHmac } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

// The client's IP address, for the sign-in limit per client, per-IP API limits and the submitter hash of
// anonymous jobs — one rule for all three.
//
// Next.js route handlers never see the socket, and `next start` only fills X-Forwarded-For when the client
// did not send one — so without a proxy that header is whatever the client wants it to be. The app therefore
// stamps every request with the socket's address in a header of its own (overwriting any value a client
// sent) through Node's `http.server.request.start` diagnostics channel, which runs before Next sees the
// request. X-Forwarded-For is believed only with TRUST_PROXY=true, i.e. behind a proxy that sets it.

/** Set on every request the app's HTTP server receives (recordPeerAddresses). */
export const PEER_ADDRESS_HEADER = "x-captioner-peer-address";
let recording = false;

/** Starts stamping requests with their socket address (instrumentation.ts, once per server process). */
export function recordPeerAddresses(): void {
  if (recording) return;
  recording = true;
  subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    request.headers[PEER_ADDRESS_HEADER] = socket.remoteAddress ?? "";
  });
}

/** Route handlers have a Headers object; next-auth's authorize() gets a plain record. */
type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * The client's address. With `trustProxy` (one reverse proxy in front that appends the address it saw to
 * X-Forwarded-For), the LAST entry: earlier entries are the client's own claims and would let anyone pick
 * an address. Otherwise the TCP peer. "unknown" when neither is there (such callers share one bucket).
 */
export function clientIp(headers: HeaderSource, trustProxy: boolean): string {
  if (trustProxy) {
    const last = header(headers, "x-forwarded-for")
      ?.split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .at(-1);
    if (last) return normalizeIp(last);
  }
  const peer = header(headers, PEER_ADDRESS_HEADER)?.trim();
  return peer ? normalizeIp(peer) : "unknown";
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is the same client as `1.2.3.4`. */
function normalizeIp(ip: string): string {
  return ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1").toLowerCase();
}

/**
 * A keyed hash of the IP, stored on anonymous jobs: the same client always gets the same value (so jobs can
 * be grouped and limited), but the address cannot be recovered by hashing all 2^32 IPv4 addresses without
 * the server's secret.
 */
export function hashClientIp(ip: string, secret: string): string {
  return `ip_${createHmac("sha256", secret).update(ip).digest("hex").slice(0, 16)}`;
}
