import type { IncomingMessage, Server } from "node:http";

// Who is signing in, by network address, for the per-client sign-in limit. Next's route handlers do not
// expose the TCP peer, and the X-Forwarded-For they see is whatever the client sent (Next only fills it
// in when it is missing), so anyone could pick their own address. The app's server therefore stamps the
// real peer on every request under a header of its own, overwriting any copy the client sent.

/** Set by recordPeerAddresses() on every request the app's HTTP server receives. */
export const PEER_ADDRESS_HEADER = "x-captioner-peer-address";

let installed = false;

/**
 * Makes every node:http server in this process stamp PEER_ADDRESS_HEADER with the socket's remote
 * address before anything else sees the request. Called once from instrumentation.ts at start.
 */
export async function recordPeerAddresses(): Promise<void> {
  if (installed) return;
  installed = true;
  const http = await import("node:http");
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const request = args[0] as IncomingMessage;
      request.headers[PEER_ADDRESS_HEADER] = request.socket.remoteAddress ?? "unknown";
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof emit;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * The client's address. With `trustProxy` (TRUST_PROXY=true: one reverse proxy in front that appends
 * the address it saw to X-Forwarded-For), the last X-Forwarded-For entry — earlier entries are the
 * client's own claims. Otherwise the TCP peer.
 */
export function clientAddress(headers: HeaderSource, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = header(headers, "x-forwarded-for")
      ?.split(",")
      .map((part) => part.trim())
      .filter(Boolean);
    const last = forwarded?.at(-1);
    if (last) return last;
  }
  return header(headers, PEER_ADDRESS_HEADER) ?? "unknown";
}
