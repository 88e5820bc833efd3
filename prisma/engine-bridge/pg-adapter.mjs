// The driver adapter the Wasm schema engine talks to Postgres through: @prisma/adapter-pg, with
// four fixes the schema engine needs and the adapter (7.10.0) does not provide.
//
// 1. Postgres' one-byte `"char"` type (OID 18; pg_class.relkind, pg_constraint.contype, ...) is
//    returned by the engine's catalog queries. adapter-pg has no mapping for it and throws
//    "Unsupported column type char", which the engine reports as "Column type 'char' could not be
//    deserialized". The engine reads those columns as chars, so they must come back as
//    ColumnTypeEnum.Character (Text would not do: its `as_char()` only accepts Character values).
// 2. Shadow database: adapter-pg's connectToShadowDb() spreads its pg config and sets `database`,
//    but pg lets a `connectionString` win over `database`, so with a URL config the "shadow"
//    connection silently lands on the main database. We keep pg configs as separate
//    host/port/user/password/database fields everywhere.
// 3. It also drops the shadow database while its own pool still holds connections (Postgres
//    refuses: "database is being accessed by other users"). We close the pool first, then drop.
// 4. Its executeScript() splits scripts on every ";" and runs the pieces one by one, which breaks
//    any migration with a function body or DO block ("unterminated dollar-quoted string") and
//    leaves a failed migration half-applied. We send the script whole, as the native engine does:
//    Postgres runs a multi-statement simple query as one implicit transaction.

import { randomUUID } from "node:crypto";

import { PrismaPg } from "@prisma/adapter-pg";
// Not in our package.json: a dependency of @prisma/adapter-pg, which pins it to its own version.
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import pg from "pg";
// Not in our package.json: pg's own dependency, so URLs are read exactly as pg would read them.
import { parse as parseConnectionString } from "pg-connection-string";

import { debug } from "./log.mjs";

const CHAR_OID = 18;
const TEXT_OID = 25;

/**
 * @typedef {{ config: pg.ClientConfig, schema: string | undefined }} PgTarget
 * @typedef {import("@prisma/driver-adapter-utils").SqlDriverAdapter} SqlDriverAdapter
 */

/**
 * Reads a Prisma datasource URL into separate pg fields (see fix 2 above) plus Prisma's own
 * `?schema=` parameter, which the adapter takes as an option instead.
 * @param {string} url
 * @returns {PgTarget}
 */
export function pgTargetFromUrl(url) {
  const { host, port, user, password, database, ssl, options, application_name, schema } = parseConnectionString(url);
  return {
    config: {
      host: host ?? undefined,
      port: port ? Number(port) : undefined,
      user,
      password,
      database: database ?? undefined,
      ssl: /** @type {pg.ClientConfig["ssl"]} */ (ssl),
      options,
      application_name,
    },
    schema: typeof schema === "string" ? schema : undefined,
  };
}

/** @param {string} name */
export function quoteIdent(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Runs one statement on a short-lived connection (CREATE/DROP DATABASE cannot run in a pool's
 * transaction and must not keep a connection open to the database it drops).
 * @param {pg.ClientConfig} config
 * @param {string} sql
 */
export async function runOnce(config, sql) {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Fix 1: `"char"` columns come back as ColumnTypeEnum.Character.
 *
 * adapter-pg maps column types inside queryRaw(), from the pg result its (TypeScript-private)
 * performIO() returns. We relabel `"char"` fields as text there so the mapping does not throw,
 * remember which columns they were (keyed by the result's rows array, which queryRaw passes
 * through untouched, so concurrent queries cannot mix up), and correct their type afterwards.
 * @template {object} Q
 * @param {Q} queryable a PrismaPgAdapter or one of its transactions
 * @returns {Q}
 */
function withCharColumns(queryable) {
  const q = /** @type {any} */ (queryable);
  if (typeof q.performIO !== "function") {
    throw new Error(
      'The installed @prisma/adapter-pg no longer has performIO(): re-check the "char" column fix in prisma/engine-bridge/pg-adapter.mjs',
    );
  }

  /** @type {WeakMap<unknown[], number[]>} */
  const charColumnsByRows = new WeakMap();

  const performIO = q.performIO.bind(q);
  q.performIO = async (/** @type {unknown} */ query) => {
    const result = await performIO(query);
    // A multi-statement script (db execute goes through executeRaw) yields one result per statement.
    if (!Array.isArray(result?.fields)) return result;
    /** @type {number[]} */
    const charColumns = [];
    result.fields = result.fields.map((/** @type {pg.FieldDef} */ field, /** @type {number} */ i) => {
      if (field.dataTypeID !== CHAR_OID) return field;
      charColumns.push(i);
      return { ...field, dataTypeID: TEXT_OID };
    });
    if (charColumns.length > 0) charColumnsByRows.set(result.rows, charColumns);
    return result;
  };

  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (/** @type {unknown} */ query) => {
    const resultSet = await queryRaw(query);
    for (const i of charColumnsByRows.get(resultSet.rows) ?? []) {
      resultSet.columnTypes[i] = ColumnTypeEnum.Character;
    }
    return resultSet;
  };

  if (typeof q.startTransaction === "function") {
    const startTransaction = q.startTransaction.bind(q);
    q.startTransaction = async (/** @type {unknown[]} */ ...args) => withCharColumns(await startTransaction(...args));
  }
  return queryable;
}

/**
 * @param {PgTarget} target
 * @returns {Promise<SqlDriverAdapter>}
 */
async function connectPg({ config, schema }) {
  const adapter = await new PrismaPg(config, schema ? { schema } : undefined).connect();
  return withWholeScripts(withCharColumns(adapter));
}

/**
 * Fix 4: scripts go to Postgres in one piece. Errors still go through the adapter's (TypeScript-
 * protected) onError(), so the engine gets the same DriverAdapterError as before.
 * @param {SqlDriverAdapter} adapter
 * @returns {SqlDriverAdapter}
 */
function withWholeScripts(adapter) {
  const a = /** @type {any} */ (adapter);
  if (typeof a.onError !== "function" || typeof a.underlyingDriver !== "function") {
    throw new Error(
      "The installed @prisma/adapter-pg changed (no onError()/underlyingDriver()): re-check the executeScript fix in prisma/engine-bridge/pg-adapter.mjs",
    );
  }
  a.executeScript = async (/** @type {string} */ script) => {
    try {
      await a.underlyingDriver().query(script);
    } catch (error) {
      a.onError(error);
    }
  };
  return adapter;
}

/**
 * Used when the config has no datasource URL. Without it, pg would fall back to its defaults
 * (PG* variables, localhost, the OS user) and the engine could work on some other database.
 * Note the Wasm engine queries the server version as soon as it starts, so even commands the
 * native engine runs without a database (`migrate diff --from-empty --to-schema ...`) need a URL.
 * @returns {SqlDriverAdapter}
 */
function noDatabaseAdapter() {
  const fail = async () => {
    throw new Error("No datasource URL is configured: set DATABASE_URL (read by prisma.config.ts as datasource.url).");
  };
  return /** @type {SqlDriverAdapter} */ ({
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    queryRaw: fail,
    executeRaw: fail,
    executeScript: fail,
    startTransaction: fail,
    getConnectionInfo: () => ({ supportsRelationJoins: true }),
    dispose: async () => {},
  });
}

/** Shadow databases still being dropped; the process waits for them before exiting. */
const pendingDrops = new Set();

/** Resolves once no shadow database is left to drop (each drop is attempted once). */
export async function dropsSettled() {
  await Promise.allSettled([...pendingDrops]);
}

/** A SqlMigrationAwareDriverAdapterFactory built from the CLI's `--datasource` value. */
class BridgePgFactory {
  provider = /** @type {const} */ ("postgres");
  adapterName = "@prisma/adapter-pg";

  /** @param {{ url?: string, shadowDatabaseUrl?: string }} datasource */
  constructor({ url, shadowDatabaseUrl }) {
    this.main = url ? pgTargetFromUrl(url) : undefined;
    this.shadow = shadowDatabaseUrl ? pgTargetFromUrl(shadowDatabaseUrl) : undefined;
  }

  async connect() {
    return this.main ? connectPg(this.main) : noDatabaseAdapter();
  }

  async connectToShadowDb() {
    if (this.shadow) return this.#connectToConfiguredShadowDb(this.shadow);
    if (!this.main) return noDatabaseAdapter();

    const admin = this.main.config;
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await runOnce(admin, `CREATE DATABASE ${quoteIdent(database)}`);
    debug(`created shadow database ${database}`);
    const adapter = await connectPg({ ...this.main, config: { ...admin, database } });

    const closePool = adapter.dispose.bind(adapter);
    adapter.dispose = () => {
      // Fix 3: pool closed first, only then can the database go.
      const drop = closePool()
        .then(() => runOnce(admin, `DROP DATABASE IF EXISTS ${quoteIdent(database)}`))
        .then(() => debug(`dropped shadow database ${database}`))
        .finally(() => pendingDrops.delete(drop));
      pendingDrops.add(drop);
      return drop;
    };
    return adapter;
  }

  /**
   * `datasource.shadowDatabaseUrl`: the native engine empties that database before replaying the
   * migrations into it; the Wasm engine expects its factory to have done so and would otherwise
   * fail on leftovers of the previous run ("relation ... already exists").
   * @param {PgTarget} shadow
   */
  async #connectToConfiguredShadowDb(shadow) {
    const { host, port, database } = shadow.config;
    const main = this.main?.config;
    if (main && main.host === host && main.port === port && main.database === database) {
      throw new Error(
        "The shadow database you configured appears to be the same as the main database. Please specify another shadow database.",
      );
    }
    const schema = quoteIdent(shadow.schema ?? "public");
    await runOnce(shadow.config, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
    return connectPg(shadow);
  }
}

/**
 * The error-capturing factory the Wasm engine expects (its `errorRegistry` keeps JS errors the
 * engine only sees as ids).
 * @param {{ url?: string, shadowDatabaseUrl?: string }} datasource
 */
export function createAdapterFactory(datasource) {
  return bindMigrationAwareSqlAdapterFactory(new BridgePgFactory(datasource));
}
