import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { QUEUE_BOARD_PATH } from "./access";
import { forwardToDashboard } from "./proxy";

// The app's proxy against a real HTTP server standing in for the dashboard, which echoes what reached it:
// what the proxy forwards, what it must drop, and that bodies stream both ways.

let upstream: Server;
let upstreamUrl: string;
/** Resolved by a test to let the streaming endpoint send the rest of its body. */
let releaseRest: () => void = () => {};

async function echo(req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? "";
  if (url.startsWith(`${QUEUE_BOARD_PATH}/stream`)) {
    // 1 MiB now, 7 MiB only once the client has seen the first: a buffering proxy would never deliver.
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(Buffer.alloc(1024 * 1024, 1));
    await new Promise<void>((resolve) => {
      releaseRest = resolve;
    });
    for (let i = 0; i < 7; i += 1) res.write(Buffer.alloc(1024 * 1024, 2));
    res.end();
    return;
  }
  if (url.startsWith(`${QUEUE_BOARD_PATH}/moved`)) {
    res.writeHead(302, { location: `${QUEUE_BOARD_PATH}/` }).end();
    return;
  }
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  res.writeHead(201, {
    "content-type": "application/json",
    connection: "keep-alive, x-hop-response",
    "x-hop-response": "1",
    "x-board": "yes",
  });
  res.end(JSON.stringify({ method: req.method, url, headers: req.headers, size, sha256: hash.digest("hex") }));
}

beforeAll(async () => {
  upstream = createServer((req, res) => void echo(req, res));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const appUrl = (rest: string) => `http://app.test:3000${QUEUE_BOARD_PATH}/${rest}`;

describe("forwardToDashboard", () => {
  test("forwards method, path, query, body and cookies; drops hop-by-hop headers both ways", async () => {
    const body = Buffer.alloc(300_000, 7);
    const request = new Request(appUrl("api/queues/captions/pause?x=1&y=%2F"), {
      method: "PUT",
      body,
      headers: {
        cookie: "next-auth.session-token=abc; other=1",
        "content-type": "application/json",
        connection: "x-hop-request",
        "x-hop-request": "1",
        "keep-alive": "timeout=5",
        te: "trailers",
        "proxy-authorization": "Basic c2VjcmV0",
        "accept-encoding": "gzip, br",
        "x-custom": "kept",
      },
    });
    const res = await forwardToDashboard(request, upstreamUrl, "http://app.test:3000");
    expect(res.status).toBe(201);
    const seen = (await res.json()) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      size: number;
      sha256: string;
    };
    expect(seen.method).toBe("PUT");
    expect(seen.url).toBe(`${QUEUE_BOARD_PATH}/api/queues/captions/pause?x=1&y=%2F`);
    expect(seen.size).toBe(body.length);
    expect(seen.sha256).toBe(createHash("sha256").update(body).digest("hex"));
    expect(seen.headers).toMatchObject({
      cookie: "next-auth.session-token=abc; other=1",
      "content-type": "application/json",
      "x-custom": "kept",
      "accept-encoding": "identity",
      "x-forwarded-host": "app.test:3000",
      "x-forwarded-proto": "http",
    });
    for (const dropped of ["x-hop-request", "keep-alive", "te", "proxy-authorization"]) {
      expect(seen.headers, dropped).not.toHaveProperty(dropped);
    }
    expect(res.headers.get("x-board")).toBe("yes");
    for (const dropped of ["connection", "keep-alive", "x-hop-response", "transfer-encoding"]) {
      expect(res.headers.has(dropped), dropped).toBe(false);
    }
  });

  test("streams the response: the first bytes arrive before the dashboard has sent the rest", async () => {
    const res = await forwardToDashboard(new Request(appUrl("stream")), upstreamUrl);
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no bytes within 5 s: buffered?")), 5_000)),
    ]);
    expect(first.value?.[0]).toBe(1);
    releaseRest();
    let total = first.value?.length ?? 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
    }
    expect(total).toBe(8 * 1024 * 1024);
  });

  test("passes redirects through instead of following them", async () => {
    const res = await forwardToDashboard(new Request(appUrl("moved")), upstreamUrl);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${QUEUE_BOARD_PATH}/`);
  });

  test("answers 503 in the public error shape when the dashboard is down", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await forwardToDashboard(new Request(appUrl("api/queues")), `http://127.0.0.1:${port}`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { code: "SERVICE_UNAVAILABLE", message: "The queue board is not reachable right now." },
    });
  });

  test("never forwards a path outside the board", async () => {
    for (const path of [
      "/metrics",
      "/healthz",
      `${QUEUE_BOARD_PATH}x/api`,
      `${QUEUE_BOARD_PATH}/%2e%2e/%2e%2e/%2e%2e/metrics`,
    ]) {
      const res = await forwardToDashboard(new Request(`http://app.test${path}`), upstreamUrl);
      expect(res.status, path).toBe(404);
    }
  });
});
