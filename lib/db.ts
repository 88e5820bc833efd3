import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { TIMEOUTS } from "./timeouts";

export type { Prisma } from "./generated/prisma/client";
export { JobStatus, Role } from "./generated/prisma/enums";

/** A Prisma client on the pg driver adapter (Prisma 7 has no bundled Rust query engine). */
export function createPrisma(databaseUrl: string, options: { max?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: TIMEOUTS.databaseConnectMs,
  });
  return new PrismaClient({ adapter });
}

// One client per process: Next's dev server re-evaluates modules, so keep it on globalThis.
const globalForPrisma = globalThis as unknown as { captionerPrisma?: PrismaClient };

/** The process-wide client for DATABASE_URL. */
export function db(): PrismaClient {
  if (!globalForPrisma.captionerPrisma) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is missing");
    globalForPrisma.captionerPrisma = createPrisma(url);
  }
  return globalForPrisma.captionerPrisma;
}

export type { PrismaClient };
