import { generatePassword } from "../../lib/auth/passwords";
import { normalizeEmail, upsertUser } from "../../lib/auth/users";
import { createPrisma } from "../../lib/db";

export const DEFAULT_ADMIN_EMAIL = "admin@localhost";

/**
 * Makes sure someone can sign in to /admin, at every `npm start`:
 * - ADMIN_EMAIL + ADMIN_PASSWORD: that user exists with role admin and that password (created or updated).
 * - ADMIN_EMAIL alone: that user is made an admin; if new, it gets a generated password, printed once.
 * - neither, and no user at all: `admin@localhost` with a generated password, printed once.
 * The password is printed only when it was just generated; it is stored only as an argon2 hash.
 */
export async function ensureFirstAdmin(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const email = env.ADMIN_EMAIL?.trim() || undefined;
  const password = env.ADMIN_PASSWORD || undefined;
  if (password && !email) throw new Error("ADMIN_PASSWORD is set but ADMIN_EMAIL is not: set both, or neither.");
  if (!env.DATABASE_URL) throw new Error("DATABASE_URL is missing");
  const db = createPrisma(env.DATABASE_URL, { max: 1 });
  try {
    if (email && password) {
      const { created, passwordChanged } = await upsertUser(db, { email, password, role: "admin" });
      if (created) log(`Created admin ${normalizeEmail(email)} (password from ADMIN_PASSWORD).`);
      else if (passwordChanged) log(`Admin ${normalizeEmail(email)}: password updated from ADMIN_PASSWORD.`);
      return;
    }
    if (email) {
      const exists = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
      if (exists) {
        if (exists.role !== "admin") {
          await upsertUser(db, { email, role: "admin" });
          log(`${exists.email} is now an admin (ADMIN_EMAIL).`);
        }
        return;
      }
      await createWithGeneratedPassword(db, email, log);
      return;
    }
    if ((await db.user.count()) === 0) await createWithGeneratedPassword(db, DEFAULT_ADMIN_EMAIL, log);
  } finally {
    await db.$disconnect();
  }
}

async function createWithGeneratedPassword(
  db: ReturnType<typeof createPrisma>,
  email: string,
  log: (line: string) => void,
): Promise<void> {
  const password = generatePassword();
  const { user } = await upsertUser(db, { email, password, role: "admin" });
  log("────────────────────────────────────────────────────────────");
  log("First admin account created. Sign in at /admin with:");
  log(`  email:    ${user.email}`);
  log(`  password: ${password}`);
  log("This password is shown only this once. Change it with:");
  log(`  npm run user:create -- --email ${user.email} --role admin --password <new password>`);
  log("────────────────────────────────────────────────────────────");
}
