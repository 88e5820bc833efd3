import type { PrismaClient } from "../db";
import { checkPasswordPolicy, hashPassword, verifyAgainstDummy, verifyPassword } from "./passwords";
import type { StaffRole } from "./roles";

export interface StaffUser {
  id: string;
  email: string;
  name: string | null;
  role: StaffRole;
}

/** Emails are compared case-insensitively: stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The user for a sign-in attempt, or null when the email is unknown or the password is wrong. A bcrypt
 * hash from before argon2 is replaced by an argon2 one now that the password is known to be right.
 */
export async function checkCredentials(
  db: PrismaClient,
  email: string,
  password: string,
): Promise<(StaffUser & { sessionVersion: number }) | null> {
  const user = await db.user.findUnique({ where: { email: normalizeEmail(email) } });
  if (!user) return verifyAgainstDummy(password).then(() => null);
  const check = await verifyPassword(password, user.passwordHash);
  if (!check.ok) return null;
  if (check.needsRehash) {
    // Only if the hash is still the one just checked: a concurrent password change wins.
    await db.user.updateMany({
      where: { id: user.id, passwordHash: user.passwordHash },
      data: { passwordHash: await hashPassword(password) },
    });
  }
  return { ...toStaffUser(user), sessionVersion: user.sessionVersion };
}

/**
 * The staff member a session belongs to, read fresh from the User table: null when the account is gone or
 * the session was issued under an older session version (signed out, password changed since).
 */
export async function findSessionUser(
  db: PrismaClient,
  session: { userId: string; sessionVersion: number },
): Promise<StaffUser | null> {
  const user = await db.user.findUnique({
    where: { id: session.userId },
    select: { id: true, email: true, name: true, role: true, sessionVersion: true },
  });
  if (!user || user.sessionVersion !== session.sessionVersion) return null;
  return toStaffUser(user);
}

/** Ends every session of the user (sign-out, password change): their cookies stop working at once. */
export async function endSessions(db: PrismaClient, userId: string): Promise<void> {
  await db.user.updateMany({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
}

export interface UpsertUserInput {
  email: string;
  role: StaffRole;
  /** Omit to keep an existing user's password (a new user needs one). */
  password?: string;
  name?: string;
}

export interface UpsertUserResult {
  user: StaffUser;
  created: boolean;
  /** true when the stored password hash was replaced. */
  passwordChanged: boolean;
}

/**
 * Creates the user or updates its role, name and password. An unchanged password is not re-hashed, so
 * running the same command (or `npm start` with the same ADMIN_PASSWORD) twice writes nothing new.
 */
export async function upsertUser(db: PrismaClient, input: UpsertUserInput): Promise<UpsertUserResult> {
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error(`"${input.email}" is not an email address.`);
  if (input.password !== undefined) checkPasswordPolicy(input.password);
  const existing = await db.user.findUnique({ where: { email } });
  if (!existing) {
    if (input.password === undefined) throw new Error("A new user needs a password.");
    const user = await db.user.create({
      data: { email, role: input.role, name: input.name ?? null, passwordHash: await hashPassword(input.password) },
    });
    return { user: toStaffUser(user), created: true, passwordChanged: true };
  }
  const passwordChanged =
    input.password !== undefined && !(await verifyPassword(input.password, existing.passwordHash)).ok;
  const user = await db.user.update({
    where: { id: existing.id },
    data: {
      role: input.role,
      ...(input.name !== undefined ? { name: input.name } : {}),
      // A new password ends the sessions signed in with the old one.
      ...(passwordChanged && input.password !== undefined
        ? { passwordHash: await hashPassword(input.password), sessionVersion: { increment: 1 } }
        : {}),
    },
  });
  return { user: toStaffUser(user), created: false, passwordChanged };
}

function toStaffUser(user: { id: string; email: string; name: string | null; role: StaffRole }): StaffUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
