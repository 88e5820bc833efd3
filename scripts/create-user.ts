// `npm run user:create -- --email x@example.com --role ops [--password p | --generate-password] [--name "X Y"]`
// Adds a console user, or updates an existing one's role, name and (if given) password. Without a password
// a new user gets a generated one, printed once. Reads DATABASE_URL, else the database `npm start` uses.
import { parseArgs } from "node:util";
import { generatePassword, PasswordPolicyError } from "../lib/auth/passwords";
import { isStaffRole, STAFF_ROLES } from "../lib/auth/roles";
import { upsertUser } from "../lib/auth/users";
import { createPrisma } from "../lib/db";
import { cliDatabaseUrl } from "./lib/cli-database";

const USAGE = `Usage: npm run user:create -- --email <email> --role <${STAFF_ROLES.join("|")}> [--password <password> | --generate-password] [--name <name>]
  A new user without --password gets a generated password, printed once.
  An existing user keeps its password unless --password or --generate-password is given.
  Tip: a password typed on the command line stays in your shell history; prefer --generate-password.`;

function fail(message: string): never {
  console.error(`user:create: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main() {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        email: { type: "string" },
        role: { type: "string" },
        password: { type: "string" },
        "generate-password": { type: "boolean" },
        name: { type: "string" },
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
  const email = typeof values.email === "string" ? values.email : fail("--email is required.");
  const role = isStaffRole(values.role) ? values.role : fail(`--role must be one of ${STAFF_ROLES.join(", ")}.`);
  if (values.password !== undefined && values["generate-password"]) {
    fail("give either --password or --generate-password, not both.");
  }

  const db = createPrisma(await cliDatabaseUrl().catch((error: Error) => fail(error.message)), { max: 1 });
  try {
    const existing = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
    const generated = values["generate-password"] || (!existing && values.password === undefined);
    const password = generated ? generatePassword() : (values.password as string | undefined);
    const name = typeof values.name === "string" ? values.name : undefined;
    const { user, created, passwordChanged } = await upsertUser(db, { email, role, password, name });
    console.log(`${created ? "Created" : "Updated"} ${user.email} (role ${user.role}).`);
    if (generated) console.log(`Password (shown only this once): ${password}`);
    else if (!created) console.log(passwordChanged ? "Password changed." : "Password unchanged.");
  } catch (error) {
    if (error instanceof PasswordPolicyError) fail(error.message);
    throw error;
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: Error) => {
  console.error(`user:create: ${error.message}`);
  process.exit(1);
});
