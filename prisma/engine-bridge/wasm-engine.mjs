// Loads @prisma/schema-engine-wasm (the schema engine compiled to WebAssembly, which does its I/O
// through a JS driver adapter) and turns its errors into the JSON-RPC errors the CLI understands.

import { readFile } from "node:fs/promises";

// The package's main entry does `import * as wasm from "./schema_engine_bg.wasm"`, which Node only
// supports behind --experimental-wasm-modules. Like Prisma's own loader, we take the JS glue and
// instantiate the .wasm file ourselves.
import * as glue from "@prisma/schema-engine-wasm/schema_engine_bg";

import { debug, debugEnabled } from "./log.mjs";

/** JSON-RPC error code the native engine uses for every engine error ("see the data field"). */
const ENGINE_ERROR = 4466;

/** @typedef {import("@prisma/schema-engine-wasm").SchemaEngine} SchemaEngine */

/**
 * The Rust panic hook stores the panic message here before the Wasm instance traps with a
 * RuntimeError that says nothing useful. The glue code expects this global to exist.
 */
const panics = {
  message: "",
  set_message(/** @type {string} */ message) {
    this.message = message;
  },
};
/** @type {any} */ (globalThis).PRISMA_WASM_PANIC_REGISTRY = panics;

/**
 * @param {{ datamodels: [string, string][] | undefined, adapterFactory: object }} options
 * @returns {Promise<SchemaEngine>}
 */
export async function startSchemaEngine({ datamodels, adapterFactory }) {
  const wasmPath = new URL(
    "./schema_engine_bg.wasm",
    import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"),
  );
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
    "./schema_engine_bg.js": glue,
  });
  glue.__wbg_set_wasm(instance.exports);
  /** @type {() => void} */ (instance.exports.__wbindgen_start)();

  // The engine logs JSON strings through this callback; they only matter when debugging.
  const onLog = debugEnabled ? (/** @type {string} */ line) => debug(line.trim()) : () => {};
  return glue.SchemaEngine.new({ datamodels }, onLog, adapterFactory);
}

/**
 * The error shapes the CLI's SchemaEngineCLI.runCommand() distinguishes:
 * - `data.is_panic`: shown as an engine crash (with the "report this" prompt);
 * - `data.error_code` + `data.message`: a known Prisma error (P3005, P3009, ...), which some
 *   commands branch on;
 * - `data.message` alone: shown as is.
 * @param {unknown} error
 * @param {{ consumeError(id: number): { error: unknown } | undefined }} [errorRegistry]
 * @returns {import("./rpc.mjs").RpcError}
 */
export function toRpcError(error, errorRegistry) {
  const e = /** @type {{ name?: string, message?: string, code?: string, meta?: unknown, stack?: string }} */ (
    error ?? {}
  );

  if (e.name === "RuntimeError") {
    const message = panics.message || e.message || "the Wasm schema engine crashed";
    return { code: ENGINE_ERROR, message, data: { is_panic: true, message, backtrace: e.stack ?? "" } };
  }

  let message = e.message ?? String(error);
  // A JS exception inside the driver adapter reaches the engine only as an id (it reports
  // "External error id#N"); the error itself waits in the adapter's registry. Show that instead.
  const jsErrorId = /External error id#(\d+)/.exec(message)?.[1];
  const jsError = jsErrorId === undefined ? undefined : errorRegistry?.consumeError(Number(jsErrorId))?.error;
  if (jsError instanceof Error) message = jsError.message;

  return {
    code: ENGINE_ERROR,
    message: "An error happened. Check the data field for details.",
    data: { is_panic: false, message, meta: e.meta ?? null, error_code: e.code ?? null },
  };
}
