import { randomBytes } from "node:crypto";
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import bcrypt from "bcryptjs";

// Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): ~25 ms per hash here, in
// @node-rs/argon2's native code on libuv's thread pool, so a burst of sign-ins never blocks the event
// loop that serves every other request (bcryptjs, pure JS at cost 12, took ~0.3 s of it per check).
// Hashes written before argon2 are bcrypt; they still verify (bcryptjs) and are replaced by an argon2
// hash at the user's next successful sign-in.
// Argon2id is the library's default algorithm (its `Algorithm` is a const enum isolatedModules cannot import).
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
/** Bounds the work one sign-in attempt can ask for; far above any password a person types. */
export const MAX_PASSWORD_BYTES = 256;

export class PasswordPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PasswordPolicyError";
  }
}

/** Throws PasswordPolicyError when the password is too short or too long. */
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
  return argon2Hash(password, ARGON2_OPTIONS);
}

function isBcryptHash(passwordHash: string): boolean {
  return /^\$2[aby]\$/.test(passwordHash);
}

/**
 * Whether `password` matches `passwordHash` (argon2, or a bcrypt hash from before), and whether the
 * stored hash should be replaced by a fresh argon2 one now that the password is known.
 */
export async function verifyPassword(
  password: string,
  passwordHash: string,
): Promise<{ ok: boolean; needsRehash: boolean }> {
  if (Buffer.byteLength(password, "utf8") > MAX_PASSWORD_BYTES) return { ok: false, needsRehash: false };
  if (isBcryptHash(passwordHash)) {
    return { ok: await bcrypt.compare(password, passwordHash), needsRehash: true };
  }
  try {
    return { ok: await argon2Verify(passwordHash, password), needsRehash: false };
  } catch {
    // A malformed stored hash matches nothing.
    return { ok: false, needsRehash: false };
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check when the email is unknown, so response times do not tell an
 * attacker which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= argon2Hash(randomBytes(16).toString("hex"), ARGON2_OPTIONS);
  await verifyPassword(password, await dummyHash);
  return false;
}

/** 24 url-safe characters (144 random bits): for generated first-admin and CLI passwords. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
