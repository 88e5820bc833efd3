// `npm run apikey:create -- --name NAME [--scope jobs] [--scope webhooks]`
// Creates an API key for the public API and prints it on the last line (and nowhere else): it is shown
// only this once, so scripts can capture it with `| tail -n 1`. Reads DATABASE_URL, else the database
// `npm start` uses.
import { parseArgs } from "node:util";
import { ZodError } from "zod";
import { API_KEY_SCOPES, createApiKey } from "../lib/api-keys/api-keys";
import { createPrisma } from "../lib/db";
import { cliDatabaseUrl } from "./lib/cli-database";

const USAGE = `Usage: npm run apikey:create -- --name <name> [--scope <${API_KEY_SCOPES.join("|")}> ...]
  Without --scope the key gets every scope (${API_KEY_SCOPES.join(", ")}).
  The key is printed once, on the last line; only its hash is stored.`;

function fail(message: string): never {
  console.error(`apikey:create: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main() {
  let values: { name?: string; scope?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        name: { type: "string" },
        scope: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.name) fail("--name is required.");
  const url = await cliDatabaseUrl().catch((error: Error) => fail(error.message));
  const db = createPrisma(url, { max: 1 });
  try {
    const created = await createApiKey(db, { name: values.name, scopes: values.scope });
    // Details go to stderr, so stdout is the key alone.
    console.error(
      `Created API key ${created.id} "${created.name}" (${created.prefix}…, scopes ${created.scopes.join(", ")}).`,
    );
    console.error("Copy the key now: it is shown only this once.");
    console.log(created.key);
  } catch (error) {
    if (error instanceof ZodError)
      fail(error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
    throw error;
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: Error) => {
  console.error(`apikey:create: ${error.message}`);
  process.exit(1);
});
