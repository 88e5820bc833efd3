// Log lines on stderr, in the shape the native schema-engine writes them.
//
// The Prisma CLI reads our stderr line by line and JSON-parses each line:
// - while serving JSON-RPC it keeps every `fields.message`, and the last ERROR line becomes the
//   reason it shows when we exit with code 1 ("Error in Schema engine: <message>");
// - for `cli can-connect-to-database` it skips the FIRST stderr line, then expects every other line
//   to be JSON and looks for an ERROR line from target `schema_engine::logger` carrying
//   `fields.error_code` (P1001, P1003, ...) to decide what went wrong (P1003 → it creates the
//   database). A non-JSON line after the first one makes it fail with "Could not parse...".
// So: never write free text to stderr, only `log()` lines.

const TARGET = "schema_engine::logger";

/**
 * @param {"ERROR" | "WARN" | "INFO" | "DEBUG"} level
 * @param {string} message
 * @param {Record<string, unknown>} [fields]
 */
export function log(level, message, fields = {}) {
  const line = {
    timestamp: new Date().toISOString(),
    level,
    fields: { message, ...fields },
    target: TARGET,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/** Engine-internal chatter is only worth the noise when someone is debugging Prisma. */
export const debugEnabled = Boolean(process.env.DEBUG || process.env.PRISMA_ENGINE_BRIDGE_DEBUG);

/** @param {string} message */
export function debug(message) {
  if (debugEnabled) log("DEBUG", message);
}
