import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/** The test Postgres server (TEST_POSTGRES_URL, default the local server as `postgres`). */
export function adminUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function recreateDatabase(name: string): Promise<string> {
  await withAdmin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  });
  return urlFor(name);
}

/** A fresh database for one test file, cloned from the migrated template (~0.1 s). */
export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** `template`: the migrated template to clone; inside vitest, the one the global setup made. */
export async function createTestDatabase(template?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `captioner_test_${randomBytes(5).toString("hex")}`;
  const from = template ?? inject("templateDb");
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${from}"`));
  return {
    url: urlFor(name),
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}
