import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";

// Cost 12 (2^12 rounds): ~0.3 s per hash with bcryptjs on one core here. Sign-ins are rare, so the wait
// is invisible to staff, while anyone holding a leaked hash pays the same 0.3 s per guess (OWASP asks
// for at least 10). bcryptjs is pure JS, so the async API keeps the event loop turning between rounds.
const BCRYPT_COST = 12;

export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt reads only the first 72 bytes: a longer password would silently match on its prefix. */
export const MAX_PASSWORD_BYTES = 72;

export class PasswordPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PasswordPolicyError";
  }
}

/** Throws PasswordPolicyError when the password is too short or longer than bcrypt can use. */
export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new PasswordPolicyError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  }
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) {
    throw new PasswordPolicyError(`The password must be at most ${MAX_PASSWORD_BYTES} bytes long.`);
  }
}

export function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  return bcrypt.hash(password, BCRYPT_COST);
}

export function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  return bcrypt.compare(password, passwordHash);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check when the email is unknown, so response times do not tell an
 * attacker which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= bcrypt.hash(randomBytes(16).toString("hex"), BCRYPT_COST);
  await bcrypt.compare(password, await dummyHash);
  return false;
}

/** 24 url-safe characters (144 random bits): for generated first-admin and CLI passwords. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
