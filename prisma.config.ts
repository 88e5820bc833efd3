import { chmodSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { defineConfig } from "prisma/config";

// Prisma 7's CLI downloads a native schema-engine binary before `generate`, `migrate *` and `db *`,
// which fails without internet. It skips the download when PRISMA_SCHEMA_ENGINE_BINARY names an
// existing executable, so we point it at our bridge (a Node script serving the same protocol
// with @prisma/schema-engine-wasm). Why and how: prisma/engine-bridge/README.md.
// An engine set from outside (e.g. a real binary) wins.
const engineBridge = fileURLToPath(new URL("./prisma/engine-bridge/schema-engine.mjs", import.meta.url));
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  // Some checkouts and copies drop the executable bit; the CLI spawns the file directly.
  if ((statSync(engineBridge).mode & 0o111) === 0) chmodSync(engineBridge, 0o755);
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = engineBridge;
}

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: {
    path: "prisma/migrations",
  },
  datasource: {
    // Not env("DATABASE_URL"): that throws when the variable is unset, and `prisma generate`
    // (which needs no database) must work without it.
    url: process.env.DATABASE_URL,
  },
});
