// `npm run user:unlock -- --email x@example.com`
// Lifts a console account's sign-in cool-down (too many failed passwords) and forgets its failures;
// recorded in the audit log as done from the command line by the OS user running it. Reads DATABASE_URL,
// REDIS_URL and QUEUE_PREFIX like the app (else the local services `npm start` uses).
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { signInThrottle } from "../lib/auth/sign-in-throttle";
import { unlockAccount } from "../lib/auth/unlock-account";
import { createPrisma } from "../lib/db";
import { createProducerConnection, whenReady } from "../lib/redis";
import { TIMEOUTS } from "../lib/timeouts";
import { cliDatabaseUrl, cliRedisUrl } from "./lib/cli-database";

const USAGE = `Usage: npm run user:unlock -- --email <email>
  Lets the account sign in again at once after too many failed passwords.`;

function fail(message: string): never {
  console.error(`user:unlock: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main() {
  let values: { email?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { email: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const email = values.email ?? fail("--email is required.");
  const db = createPrisma(await cliDatabaseUrl().catch((error: Error) => fail(error.message)), { max: 1 });
  const redis = createProducerConnection(await cliRedisUrl().catch((error: Error) => fail(error.message)));
  try {
    await whenReady(redis, TIMEOUTS.healthCheckMs);
    const throttle = signInThrottle(redis, process.env.QUEUE_PREFIX || "captioner");
    const result = await unlockAccount(
      { db, throttle },
      { email, by: { userId: null, email: `cli:${userInfo().username}` }, via: "cli" },
    );
    console.log(
      result.wasLockedForSec > 0
        ? `Unlocked ${result.email} (it was locked for another ${Math.ceil(result.wasLockedForSec / 60)} min).`
        : `${result.email} was not locked; its failed attempts are forgotten.`,
    );
  } finally {
    redis.disconnect();
    await db.$disconnect();
  }
}

main().catch((error: Error) => {
  console.error(`user:unlock: ${error.message}`);
  process.exit(1);
});
