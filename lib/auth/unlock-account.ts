import type { PrismaClient } from "../db";
import type { SignInThrottle } from "./sign-in-throttle";
import { normalizeEmail } from "./users";

export const UNLOCK_AUDIT_ACTION = "user.unlock";

/**
 * Lifts an account's sign-in cool-down and forgets its failures, recorded in the audit log with who did
 * it and how. Callers check who may do this: the console allows admins only; the CLI runs with the
 * database's and Redis' credentials, i.e. as the operator.
 */
export async function unlockAccount(
  deps: { db: PrismaClient; throttle: SignInThrottle },
  input: { email: string; by: { userId: string | null; email: string }; via: "console" | "cli" },
): Promise<{ email: string; wasLockedForSec: number }> {
  const email = normalizeEmail(input.email);
  const wasLockedForSec = await deps.throttle.lockedForSec(email);
  await deps.throttle.unlock(email);
  await deps.db.auditLog.create({
    data: {
      userId: input.by.userId,
      userEmail: input.by.email,
      action: UNLOCK_AUDIT_ACTION,
      data: { email, via: input.via, wasLockedForSec },
    },
  });
  return { email, wasLockedForSec };
}
