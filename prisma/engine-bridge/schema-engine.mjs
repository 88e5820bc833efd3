#!/usr/bin/env node
// Stands in for Prisma's native `schema-engine` binary, which the Prisma 7 CLI downloads on first use
// and which cannot be downloaded here (no network beyond the npm registry). prisma.config.ts points
// PRISMA_SCHEMA_ENGINE_BINARY at this file; the CLI then spawns it exactly like the native binary:
//
//   schema-engine [--datamodels <file>]... [--datasource <json>]      JSON-RPC session on stdio
//   schema-engine --datasource <json> cli <command>                   one-shot command
//   schema-engine --version
//
// and we serve it with @prisma/schema-engine-wasm over @prisma/adapter-pg. See README.md.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { runCliCommand } from "./cli-commands.mjs";
import { log } from "./log.mjs";
import { createMethodHandler } from "./methods.mjs";
import { createAdapterFactory, dropsSettled } from "./pg-adapter.mjs";
import { StdioRpc } from "./rpc.mjs";
import { startSchemaEngine, toRpcError } from "./wasm-engine.mjs";

// Anything unexpected ends the process with code 1 and the reason as an ERROR log line: the CLI
// then fails any request still waiting, showing that reason. Exiting 0 (or hanging) would let a
// command like `migrate dev` stop half-way and still look successful.
/** @param {unknown} error */
function die(error) {
  log("ERROR", error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
}
process.on("uncaughtException", die);
process.on("unhandledRejection", die);

const { values: options, positionals } = parseArgs({
  options: {
    datamodels: { type: "string", multiple: true },
    datasource: { type: "string" },
    "enabled-preview-features": { type: "string" },
    "extension-types": { type: "string" },
    version: { type: "boolean", short: "V" },
  },
  allowPositionals: true,
});

/** @type {{ url?: string, shadowDatabaseUrl?: string }} */
const datasource = options.datasource ? JSON.parse(options.datasource) : {};

if (options.version) {
  const packageJson = new URL("./package.json", import.meta.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  const { version } = JSON.parse(readFileSync(packageJson, "utf8"));
  // `prisma version` shows this line; the native binary prints "schema-engine-cli <engine hash>".
  process.stdout.write(
    `schema-engine-cli ${version.split(".").at(-1)} (engine-bridge over @prisma/schema-engine-wasm ${version})\n`,
  );
  process.exit(0);
}

if (positionals[0] === "cli") {
  // The CLI skips the first stderr line of a failed cli command: give it one to skip.
  const result = await runCliCommand(positionals[1] ?? "", datasource.url);
  if (result.ok) {
    process.stdout.write(`${result.output}\n`);
    process.exit(0);
  }
  log("INFO", `engine-bridge: cli ${positionals[1]} failed`);
  log("ERROR", result.message, result.error_code ? { error_code: result.error_code } : {});
  process.exit(1);
}

if (positionals.length > 0) die(new Error(`Unexpected arguments: ${positionals.join(" ")}`));

// ---- JSON-RPC session --------------------------------------------------------------------------

const adapterFactory = createAdapterFactory(datasource);
const datamodels = options.datamodels?.map(
  (/** @type {string} */ path) => /** @type {[string, string]} */ ([path, readFileSync(path, "utf8")]),
);

/** @type {ReturnType<typeof startSchemaEngine> | undefined} */
let engine;
const rpc = new StdioRpc(
  createMethodHandler({
    // Started on first use, so a bad schema becomes the answer to that request, not a crash.
    engine: () => {
      engine ??= startSchemaEngine({ datamodels: datamodels?.length ? datamodels : undefined, adapterFactory });
      return engine;
    },
    print: (content) => rpc.request("print", { content }),
    datasourceUrl: datasource.url,
  }),
  (error) => toRpcError(error, adapterFactory.errorRegistry),
);

/** Lets shadow databases finish dropping (bounded, so a stuck server cannot keep us alive). */
async function exitWhenSettled() {
  await Promise.race([dropsSettled(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  process.exit(0);
}

// The CLI's stop() closes our stdin and, on Linux, kills us right away with SIGTERM.
process.on("SIGTERM", exitWhenSettled);
await rpc.serve();
await exitWhenSettled();
