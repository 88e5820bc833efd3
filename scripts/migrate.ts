// `npm run db:migrate`, and the one-shot `migrate` container of docker-compose: waits for Postgres, creates
// DATABASE_URL's database when it does not exist, applies the committed migrations (`prisma migrate deploy`
// through the offline engine bridge) and exits 0 once the schema is current. Safe to run on every deploy.
import path from "node:path";
import pg from "pg";
import { createLogger } from "../lib/logger";
import { ensureDatabase, migrateDatabase } from "./lib/services";

const log = createLogger("migrate");

/** How long to wait for Postgres to accept connections (a container that has just started, a failover). */
const WAIT_FOR_POSTGRES_MS = Number(process.env.MIGRATE_WAIT_SEC ?? 60) * 1000;

/** Postgres error codes: the database does not exist / the server is still starting. */
const NO_SUCH_DATABASE = "3D000";
const STARTING_UP = "57P03";

async function main(): Promise<void> {
  // migrateDatabase runs node_modules/.bin/prisma relative to the working dir.
  process.chdir(path.resolve(import.meta.dirname, ".."));
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    log.error("DATABASE_URL is missing or not a postgresql:// URL");
    process.exit(1);
  }
  const database = decodeURIComponent(new URL(url).pathname.slice(1));

  const before = await waitForPostgres(url);
  if (before === "missing") {
    // Managed Postgres usually has the database already (and may forbid CREATE DATABASE): only create it here.
    await ensureDatabase(url);
    log.info({ database }, "created the database");
  }

  const started = performance.now();
  const applied = await appliedMigrations(url);
  migrateDatabase(url, true);
  const now = await appliedMigrations(url);
  log.info(
    {
      database,
      newlyApplied: now.filter((name) => !applied.includes(name)),
      total: now.length,
      latest: now.at(-1) ?? null,
      durationMs: Math.round(performance.now() - started),
    },
    "database schema is up to date",
  );
}

/** Resolves once the server answers: "ready" when the database exists, "missing" when it must be created. */
async function waitForPostgres(url: string): Promise<"ready" | "missing"> {
  const deadline = Date.now() + WAIT_FOR_POSTGRES_MS;
  let announced = false;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      return "ready";
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === NO_SUCH_DATABASE) return "missing";
      const retryable =
        code === STARTING_UP ||
        ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET"].includes(code ?? "");
      const timedOut = /timeout/i.test((error as Error).message);
      if ((!retryable && !timedOut) || Date.now() > deadline) throw error;
      if (!announced) log.info({ reason: code ?? (error as Error).message }, "waiting for Postgres");
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Names of the migrations recorded as finished (none on a fresh database). */
async function appliedMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = await client.query("SELECT to_regclass('_prisma_migrations') AS t");
    if (table.rows[0]?.t === null) return [];
    const rows = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
    );
    return rows.rows.map((row) => row.migration_name);
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  log.error({ err: error }, "migration failed");
  process.exit(1);
});
