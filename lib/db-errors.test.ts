import { describe, expect, test } from "vitest";
import { createPrisma } from "./db";
import { databaseUnavailableReason } from "./db-errors";

// Real errors from the Prisma client (pg driver adapter), not hand-built shapes: the classification must
// follow what the driver actually throws.

async function errorOf(databaseUrl: string): Promise<unknown> {
  const db = createPrisma(databaseUrl, { max: 1 });
  try {
    await db.job.count();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await db.$disconnect();
  }
}

describe("databaseUnavailableReason", () => {
  test("a closed port and an unknown host are 'unavailable'", async () => {
    expect(databaseUnavailableReason(await errorOf("postgresql://postgres@127.0.0.1:1/captioner"))).toBe("P1001");
    expect(databaseUnavailableReason(await errorOf("postgresql://postgres@no-such-host.invalid:5432/x"))).toBe("P1001");
  });

  test("a database that answers with a real error is not 'unavailable'", async () => {
    // A missing database is a configuration error (500 + log), not an outage a retry fixes.
    const missing = await errorOf("postgresql://postgres@127.0.0.1:5432/captioner_no_such_database");
    expect(missing).toBeDefined();
    expect(databaseUnavailableReason(missing)).toBeNull();
    expect(databaseUnavailableReason(new Error("boom"))).toBeNull();
    expect(databaseUnavailableReason(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(
      null,
    );
  });

  test("a session the server dropped, and Postgres shutting down, are 'unavailable'", () => {
    expect(databaseUnavailableReason(new Error("Connection terminated unexpectedly"))).toBe("connection lost");
    expect(databaseUnavailableReason(Object.assign(new Error("terminating connection"), { code: "57P01" }))).toBe(
      "SQLSTATE 57P01",
    );
  });
});
