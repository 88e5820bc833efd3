import net from "node:net";

// A TCP proxy on loopback that behaves like a slow link: every connection gets its own bandwidth cap and a
// one-way delay in each direction, and the bytes the client sent are counted. Used by the upload benchmark
// (single PUT vs parallel parts), by the CLI resume test (an upload slow enough to be killed mid-way) and by
// the browser test (bytes the server really received). TCP level, so HTTP keep-alive and aborts behave as
// they would on a real link.

export interface ThrottleOptions {
  /** Bytes per second per connection and direction; 0 = unlimited. */
  bytesPerSec?: number;
  /** One-way delay added to every chunk, ms. */
  latencyMs?: number;
}

export interface ThrottleProxy {
  url: string;
  port: number;
  /** Bytes received from clients (uploads and request headers) since the start or the last reset. */
  bytesFromClients(): number;
  resetCount(): void;
  /** Where connections go; can be set after the proxy started (its port is needed before the app starts). */
  setTarget(port: number): void;
  /** Cuts every open connection (a link going down). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** How much a direction may buffer before the sending side is paused (keeps memory flat on a 100 MB upload). */
const HIGH_WATER = 256 * 1024;

/** Starts the proxy on a free loopback port, forwarding to `targetPort` (or the one given to setTarget). */
export async function startThrottleProxy(
  options: ThrottleOptions & { targetPort?: number } = {},
): Promise<ThrottleProxy> {
  let target = options.targetPort ?? 0;
  let fromClients = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
    throttle(client, upstream, options, (bytes) => {
      fromClients += bytes;
    });
    throttle(upstream, client, options);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    bytesFromClients: () => fromClients,
    resetCount: () => {
      fromClients = 0;
    },
    setTarget: (next) => {
      target = next;
    },
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Moves bytes from `from` to `to`, each chunk delivered no earlier than latency + its share of the bandwidth,
 * strictly in order: one queue and one timer per direction (separate timers per chunk can fire out of order
 * when they fall due in the same millisecond, which would corrupt the stream).
 */
function throttle(from: net.Socket, to: net.Socket, options: ThrottleOptions, count?: (bytes: number) => void): void {
  const rate = options.bytesPerSec ?? 0;
  const latency = options.latencyMs ?? 0;
  const queue: { chunk: Buffer; due: number }[] = [];
  let lineFreeAt = 0;
  let buffered = 0;
  let timer: NodeJS.Timeout | null = null;
  let ended = false;
  const pump = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
      const { chunk } = queue.shift() as { chunk: Buffer };
      buffered -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (buffered <= HIGH_WATER && from.isPaused()) from.resume();
    if (queue.length > 0) timer = setTimeout(pump, Math.max(0, (queue[0]?.due ?? now) - now));
    else if (ended && !to.destroyed) to.end();
  };
  from.on("data", (chunk: Buffer) => {
    count?.(chunk.length);
    const now = performance.now();
    // The link is busy sending earlier chunks until lineFreeAt; this one follows, then travels `latency`.
    lineFreeAt = Math.max(now, lineFreeAt) + (rate > 0 ? (chunk.length / rate) * 1000 : 0);
    queue.push({ chunk, due: lineFreeAt + latency });
    buffered += chunk.length;
    if (buffered > HIGH_WATER) from.pause();
    timer ??= setTimeout(pump, Math.max(0, lineFreeAt + latency - now));
  });
  from.on("end", () => {
    ended = true;
    if (timer === null && queue.length === 0 && !to.destroyed) to.end();
  });
}
