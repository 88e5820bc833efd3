import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import type { PrismaClient } from "../db";
import type { StaffRole } from "./roles";
import { type SignInThrottle, signInThrottle } from "./sign-in-throttle";
import { unlockAccount } from "./unlock-account";

export interface StaffAccount {
  id: string;
  email: string;
  name: string | null;
  role: StaffRole;
  createdAt: Date;
  /** Seconds of sign-in cool-down left; 0 when the account may sign in. */
  lockedForSec: number;
}

/** The app's sign-in throttle (the same Redis counters the sign-in uses). */
export function appSignInThrottle(services: Pick<AppServices, "redis" | "env">): SignInThrottle {
  return signInThrottle(services.redis, services.env.QUEUE_PREFIX);
}

/** Every staff account with its sign-in state, by email. */
export async function listStaffAccounts(db: PrismaClient, throttle: SignInThrottle): Promise<StaffAccount[]> {
  const users = await db.user.findMany({
    orderBy: { email: "asc" },
    select: { id: true, email: true, name: true, role: true, createdAt: true },
  });
  return Promise.all(users.map(async (user) => ({ ...user, lockedForSec: await throttle.lockedForSec(user.email) })));
}

/** The console's unlock (admins; the route checks the role): lifts the account's cool-down, audited. */
export async function unlockStaffAccount(
  services: Pick<AppServices, "db" | "redis" | "env">,
  actor: { id: string; email: string },
  userId: string,
): Promise<{ email: string; wasLockedForSec: number }> {
  const user = await services.db.user.findUnique({ where: { id: userId }, select: { email: true } });
  if (!user) throw new ApiError("NOT_FOUND", "No account with this id.");
  return unlockAccount(
    { db: services.db, throttle: appSignInThrottle(services) },
    { email: user.email, by: { userId: actor.id, email: actor.email }, via: "console" },
  );
}
