import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { adminUrl } from "../support/databases";
import { freePort } from "../support/stack";

// `npm run db:migrate` / the compose `migrate` service: on a fresh server it creates the database and
// applies every migration; on every later deploy it is a no-op that still exits 0; when Postgres never
// answers it fails with a log line, without printing the password.

const ROOT = path.resolve(import.meta.dirname, "../..");
const database = `captioner_migrate_${randomBytes(4).toString("hex")}`;
const committed = readdirSync(path.join(ROOT, "prisma/migrations"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function urlFor(name: string, password?: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  if (password) url.password = password;
  return url.toString();
}

function runMigrate(env: Record<string, string>): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const lines = output.split("\n").filter((line) => line.trim() !== "");
      try {
        resolve({ code, lines: lines.map((line) => JSON.parse(line) as Record<string, unknown>) });
      } catch {
        reject(new Error(`migrate printed a line that is not JSON:\n${output}`));
      }
    });
  });
}

async function appliedInDatabase(): Promise<string[]> {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    const rows = await client.query<{ migration_name: string }>(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name",
    );
    return rows.rows.map((row) => row.migration_name);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await client.end();
});

describe("scripts/migrate.ts", () => {
  it("creates a missing database and applies every committed migration", async () => {
    const { code, lines } = await runMigrate({ DATABASE_URL: urlFor(database) });
    expect(code).toBe(0);
    expect(lines.map((line) => line.msg)).toEqual(["created the database", "database schema is up to date"]);
    expect(lines[1]).toMatchObject({ newlyApplied: committed, total: committed.length });
    expect(await appliedInDatabase()).toEqual(committed);
  });

  it("is a no-op on the next deploy", async () => {
    const { code, lines } = await runMigrate({ DATABASE_URL: urlFor(database) });
    expect(code).toBe(0);
    expect(lines.map((line) => line.msg)).toEqual(["database schema is up to date"]);
    expect(lines[0]).toMatchObject({ newlyApplied: [], total: committed.length, latest: committed.at(-1) });
  });

  it("fails with a clear line when DATABASE_URL is missing", async () => {
    const { code, lines } = await runMigrate({});
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: 50, msg: "DATABASE_URL is missing or not a postgresql:// URL" });
  });

  it("gives up after MIGRATE_WAIT_SEC when Postgres never answers, without printing the password", async () => {
    const closedPort = await freePort();
    const started = performance.now();
    const { code, lines } = await runMigrate({
      DATABASE_URL: `postgresql://captioner:pw-7c1e9a@127.0.0.1:${closedPort}/captioner`,
      MIGRATE_WAIT_SEC: "2",
    });
    expect(code).toBe(1);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(lines.map((line) => line.msg)).toEqual(["waiting for Postgres", "migration failed"]);
    expect(JSON.stringify(lines)).not.toContain("pw-7c1e9a");
  });
});
