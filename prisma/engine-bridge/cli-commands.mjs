// `schema-engine --datasource '{"url":...}' cli <command>`: one-shot commands the CLI runs before
// it starts a JSON-RPC session. `migrate dev`, `migrate deploy` and `db push` first run
// `can-connect-to-database`; if that fails with P1003 (database does not exist) they run
// `create-database`. Only the exit code and the stderr log lines (see log.mjs) are read back.
//
// The Wasm engine has no such commands (it can only use the connection it was given), so these
// talk to Postgres with pg directly.

import { pgTargetFromUrl, quoteIdent, runOnce } from "./pg-adapter.mjs";

/** Databases to connect to while creating or dropping another one, in order of preference. */
const MAINTENANCE_DATABASES = ["postgres", "template1"];

/** @param {import("pg").ClientConfig} config */
function location({ host, port }) {
  return `${host ?? "localhost"}:${port ?? 5432}`;
}

/**
 * A database error as the native engine reports it, so the CLI shows the familiar message.
 * @param {any} error from pg
 * @param {import("pg").ClientConfig} config
 * @returns {{ error_code?: string, message: string }}
 */
export function describeConnectionError(error, config) {
  const at = location(config);
  switch (error?.code) {
    case "3D000":
      return {
        error_code: "P1003",
        message: `Database \`${config.database}\` does not exist on the database server at \`${at}\`.`,
      };
    case "28P01":
    case "28000":
      return {
        error_code: "P1000",
        message: `Authentication failed against database server, the provided database credentials for \`${config.user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at \`${at}\`.`,
      };
    case "42P04":
      return {
        error_code: "P1009",
        message: `Database \`${config.database}\` already exists on the database server at \`${at}\``,
      };
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
    case "EAI_AGAIN":
      return {
        error_code: "P1001",
        message: `Can't reach database server at \`${at}\`\n\nPlease make sure your database server is running at \`${at}\`.`,
      };
    default:
      // pg's own connect timeout carries no code.
      if (/timeout/i.test(error?.message ?? "")) return describeConnectionError({ code: "ETIMEDOUT" }, config);
      return { message: error?.message ?? String(error) };
  }
}

/**
 * Runs `sql` from a maintenance database of the server `url` points at.
 * @param {string} url
 * @param {(database: string) => string} sqlFor
 */
async function onMaintenanceDatabase(url, sqlFor) {
  const { config } = pgTargetFromUrl(url);
  const database = config.database ?? config.user ?? "postgres";
  let lastError;
  for (const maintenance of MAINTENANCE_DATABASES) {
    try {
      await runOnce({ ...config, database: maintenance }, sqlFor(database));
      return database;
    } catch (error) {
      // Only a missing maintenance database is worth another try.
      if (/** @type {any} */ (error)?.code !== "3D000") throw error;
      lastError = error;
    }
  }
  throw lastError;
}

/** @param {string} url @returns {Promise<string>} the database name */
export function createDatabase(url) {
  return onMaintenanceDatabase(url, (database) => `CREATE DATABASE ${quoteIdent(database)}`);
}

/** @param {string} url @returns {Promise<string>} the database name */
export function dropDatabase(url) {
  return onMaintenanceDatabase(url, (database) => `DROP DATABASE ${quoteIdent(database)}`);
}

/**
 * @param {string} command
 * @param {string | undefined} url
 * @returns {Promise<{ ok: true, output: string } | { ok: false, error_code?: string, message: string }>}
 */
export async function runCliCommand(command, url) {
  if (!url) return { ok: false, message: "No datasource URL was given (--datasource '{\"url\": ...}')." };
  const { config } = pgTargetFromUrl(url);
  try {
    switch (command) {
      case "can-connect-to-database":
        await runOnce({ ...config, connectionTimeoutMillis: 10_000 }, "SELECT 1");
        return { ok: true, output: "Connection successful" };
      case "create-database":
        return { ok: true, output: `Database '${await createDatabase(url)}' was successfully created.` };
      case "drop-database":
        return { ok: true, output: `The database '${await dropDatabase(url)}' was successfully dropped.` };
      default:
        return { ok: false, message: `Unknown cli command: ${command}` };
    }
  } catch (error) {
    return { ok: false, ...describeConnectionError(error, config) };
  }
}
