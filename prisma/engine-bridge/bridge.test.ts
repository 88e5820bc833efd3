// End to end: the real Prisma CLI, through the engine bridge, against the real Postgres server.
// Needs Postgres at TEST_POSTGRES_URL (default: the local server as `postgres`), like tests/.

import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const prismaBin = path.join(root, "node_modules/.bin/prisma");
const bridge = path.join(root, "prisma/engine-bridge/schema-engine.mjs");

const adminUrl = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const database = `captioner_bridge_test_${randomBytes(5).toString("hex")}`;
const databaseUrl = withDatabase(adminUrl, database);

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

type Run = { code: number; stdout: string; stderr: string };

/** Runs a command to completion; never rejects, so failures are asserted on like successes. */
function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    // The CLI reads prisma.config.ts from its cwd; CI=1 keeps it from prompting.
    execFile(
      file,
      args,
      { cwd: root, env: { ...process.env, CI: "1", ...env }, timeout: 45_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const prisma = (args: string[], url = databaseUrl) => run(prismaBin, args, { DATABASE_URL: url });

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A loopback port nothing listens on (taken from the OS, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

describe("Prisma CLI through the engine bridge", () => {
  beforeAll(async () => {
    await query(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  afterAll(async () => {
    await query(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });

  it("migrate deploy creates the missing database and applies the committed migrations", async () => {
    const result = await prisma(["migrate", "deploy"]);
    expect(result.stderr).not.toContain("Error");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`PostgreSQL database ${database} created`);
    expect(result.stdout).toContain("All migrations have been successfully applied.");

    const applied = await query<{ migration_name: string; finished: boolean }>(
      databaseUrl,
      `SELECT migration_name, finished_at IS NOT NULL AS finished FROM _prisma_migrations`,
    );
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((m) => m.finished)).toBe(true);
    const tables = await query<{ tablename: string }>(
      databaseUrl,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`,
    );
    expect(tables.map((t) => t.tablename)).toContain("Job");
  });

  it("migrate status reports the database up to date", async () => {
    const result = await prisma(["migrate", "status"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Database schema is up to date!");
  });

  it("the committed migrations produce exactly prisma/schema.prisma (replayed in a shadow database)", async () => {
    const result = await prisma([
      "migrate",
      "diff",
      "--from-migrations",
      "prisma/migrations",
      "--to-schema",
      "prisma/schema.prisma",
      "--script",
      "--exit-code",
    ]);
    // --exit-code: 0 = no difference, 2 = difference.
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("-- This is an empty migration.");
    expect(result.stdout).not.toMatch(/CREATE|ALTER|DROP/);

    const shadows = await query(
      adminUrl,
      `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'`,
    );
    expect(shadows).toEqual([]);
  });

  it("migrate diff output reaches stdout (the engine's print channel), here from the live database", async () => {
    // Describing the live database reads catalog columns of Postgres' "char" type.
    const result = await prisma(["migrate", "diff", "--from-config-datasource", "--to-empty", "--script"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('DROP TABLE "public"."Job"');
  });

  it("can-connect-to-database fails with P1001 for an unreachable server", async () => {
    const url = `postgresql://postgres@127.0.0.1:${await closedPort()}/nothing`;

    const direct = await run(bridge, ["--datasource", JSON.stringify({ url }), "cli", "can-connect-to-database"]);
    expect(direct.code).toBe(1);
    const errorLine = direct.stderr
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => JSON.parse(line))
      .find((l) => l.level === "ERROR");
    expect(errorLine?.fields).toMatchObject({
      error_code: "P1001",
      message: expect.stringContaining("Can't reach database server"),
    });

    const viaCli = await prisma(["migrate", "status"], url);
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stderr).toContain("P1001: Can't reach database server");
  });

  it("a broken request exits non-zero instead of leaving the CLI waiting", async () => {
    const child = spawn(bridge, ["--datasource", JSON.stringify({ url: databaseUrl })], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdin.end("this is not JSON-RPC\n");
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('"level":"ERROR"');
  });
});
