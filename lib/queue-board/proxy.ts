import { errorResponse } from "../api/errors";
import { logger } from "../logger";
import { TIMEOUTS } from "../timeouts";
import { QUEUE_BOARD_PATH } from "./access";

// The app's runtime proxy to the dashboard process. It stays dumb on purpose: the dashboard checks the
// session and the role on every request itself. Forwarding is resolved per request (not a next.config
// rewrite, which would bake DASHBOARD_URL into the build).

/** RFC 9110 §7.6.1 connection-specific headers: meaningful for one hop only, never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers the proxy sets itself rather than copying from the browser. */
const REPLACED_REQUEST_HEADERS = new Set([
  "host",
  "content-length",
  "accept-encoding",
  "x-forwarded-host",
  "x-forwarded-proto",
]);

/**
 * Forwards `request` (method, path, query, body, cookies, headers) to the same path on the dashboard and
 * streams the answer back. Only paths under the board are forwarded, whatever the URL holds.
 * `publicOrigin` (lib/public-origin.ts) is passed on as X-Forwarded-Host/-Proto; `request.url` cannot say
 * it (next start reports its own listen address there).
 */
export async function forwardToDashboard(request: Request, dashboardUrl: string, publicOrigin = ""): Promise<Response> {
  const incoming = new URL(request.url);
  const target = new URL(`${dashboardUrl.replace(/\/+$/, "")}${incoming.pathname}${incoming.search}`);
  const targetPath = target.pathname.slice(new URL(dashboardUrl).pathname.replace(/\/+$/, "").length);
  if (targetPath !== QUEUE_BOARD_PATH && !targetPath.startsWith(`${QUEUE_BOARD_PATH}/`)) {
    return errorResponse(404, "NOT_FOUND", "Not found.");
  }

  const headers = copyHeaders(request.headers, REPLACED_REQUEST_HEADERS);
  // Ask for an uncompressed body: fetch would inflate it but keep Content-Encoding, and the browser
  // would then inflate it a second time. The app compresses its own responses.
  headers.set("accept-encoding", "identity");
  if (publicOrigin) {
    const origin = new URL(publicOrigin);
    headers.set("x-forwarded-host", origin.host);
    headers.set("x-forwarded-proto", origin.protocol.replace(/:$/, ""));
  }

  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new Error("no answer from the dashboard in time")),
    TIMEOUTS.queueBoardProxyMs,
  );
  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      // A streamed request body needs half duplex in Node's fetch.
      ...(hasBody ? { duplex: "half" } : {}),
      redirect: "manual",
      signal: AbortSignal.any([request.signal, timeout.signal]),
    } as RequestInit);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    logger.warn({ err: (error as Error).message, cause, path: targetPath }, "queue board proxy: dashboard unreachable");
    return errorResponse(503, "SERVICE_UNAVAILABLE", "The queue board is not reachable right now.");
  } finally {
    clearTimeout(timer);
  }

  const responseHeaders = copyHeaders(upstream.headers, new Set());
  if (responseHeaders.has("content-encoding")) {
    // fetch already inflated the body: the length and encoding no longer describe it.
    responseHeaders.delete("content-encoding");
    responseHeaders.delete("content-length");
  }
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  });
}

/** A copy of `source` without hop-by-hop headers, headers the Connection header names, and `skip`. */
function copyHeaders(source: Headers, skip: Set<string>): Headers {
  const named = new Set(
    (source.get("connection") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const result = new Headers();
  // Iteration yields each Set-Cookie on its own (they must never be joined with commas).
  for (const [name, value] of source) {
    if (HOP_BY_HOP.has(name) || named.has(name) || skip.has(name)) continue;
    result.append(name, value);
  }
  return result;
}
