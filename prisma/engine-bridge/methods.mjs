// The JSON-RPC methods the Prisma 7.10 CLI calls (see SchemaEngineCLI in node_modules/prisma/build),
// mapped onto the Wasm engine. Params and results have the same shapes on both sides; the
// differences are handled here.

import { createDatabase } from "./cli-commands.mjs";

/** Methods whose params and result pass through unchanged. */
const SAME_ON_BOTH_SIDES = [
  "applyMigrations",
  "createMigration",
  "dbExecute",
  "debugPanic",
  "diagnoseMigrationHistory",
  "ensureConnectionValidity",
  "introspect",
  "introspectSql",
  "markMigrationApplied",
  "markMigrationRolledBack",
  "reset",
  "schemaPush",
];

/**
 * @param {{
 *   engine: () => Promise<import("./wasm-engine.mjs").SchemaEngine>,
 *   print: (content: string) => Promise<unknown>,
 *   datasourceUrl: string | undefined,
 * }} context
 * @returns {(method: string, params: any) => Promise<unknown>}
 */
export function createMethodHandler({ engine, print, datasourceUrl }) {
  // The Wasm engine only learns how to reach a shadow database during devDiagnostic; called first,
  // evaluateDataLoss fails with "PostgreSQL shadow DB must be provided through an external factory".
  // `migrate dev` always diagnoses first, but we do not rely on callers to keep that order.
  let diagnosed = false;

  /** @type {Record<string, (params: any) => Promise<unknown>>} */
  const special = {
    async devDiagnostic(params) {
      const result = await (await engine()).devDiagnostic(params);
      diagnosed = true;
      return result;
    },

    async evaluateDataLoss(params) {
      const e = await engine();
      if (!diagnosed) await this.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
      return e.evaluateDataLoss(params);
    },

    // The Wasm engine returns the diff text; the native engine instead sends it to the CLI through
    // a `print` request (and returns `stdout: null`), which is the only path the CLI prints from.
    async diff(params) {
      const { stdout, ...rest } = await (await engine()).diff(params);
      // The CLI appends a newline itself.
      if (stdout) await print(stdout.endsWith("\n") ? stdout.slice(0, -1) : stdout);
      return { ...rest, stdout: null };
    },

    async getDatabaseVersion(params) {
      return (await engine()).version(params?.datasource ? params : undefined);
    },

    // Not a Wasm engine method: done with pg directly, like `cli create-database`.
    async createDatabase(params) {
      const url = params?.datasource?.tag === "ConnectionString" ? params.datasource.url : datasourceUrl;
      if (!url) throw new Error("createDatabase needs a datasource URL (set DATABASE_URL).");
      return { databaseName: await createDatabase(url) };
    },
  };

  return async (method, params) => {
    if (Object.hasOwn(special, method)) return special[method](params);
    if (SAME_ON_BOTH_SIDES.includes(method)) {
      const e = /** @type {any} */ (await engine());
      // Called on the instance (not a detached reference): the Wasm bindings need `this`.
      return e[method](params);
    }
    throw new Error(`The engine bridge does not implement the "${method}" method.`);
  };
}
