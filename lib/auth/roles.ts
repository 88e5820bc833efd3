import type { Role } from "../generated/prisma/enums";

// What each staff role may do in the console. Kept free of runtime imports so middleware (Edge) can use it.
// admin: everything; support: read jobs with full error details, no changes; ops: read jobs + queue board.

export const STAFF_ROLES = ["admin", "ops", "support"] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who may open the read-only console pages (overview, jobs, job detail). */
export const CONSOLE_READERS: readonly StaffRole[] = STAFF_ROLES;
/** Who may retry, cancel, bulk-retry and purge jobs, and read the audit log. */
export const JOB_ADMINS: readonly StaffRole[] = ["admin"];
/** Who may create, list and revoke API keys (and set their limits). */
export const API_KEY_ADMINS: readonly StaffRole[] = ["admin"];
/** Who may see an error's detail (stage, attempt, ffmpeg/ASR stderr tail). */
export const ERROR_DETAIL_READERS: readonly StaffRole[] = ["admin", "support"];
/** Who may see the staff accounts and lift a sign-in cool-down. */
export const ACCOUNT_ADMINS: readonly StaffRole[] = ["admin"];
/** Who may open the queue board (/admin/queues and the Bull Board server behind it). */
export const QUEUE_BOARD_READERS: readonly StaffRole[] = ["admin", "ops"];

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === "string" && (STAFF_ROLES as readonly string[]).includes(value);
}

export function roleAllows(allowed: readonly StaffRole[], role: StaffRole): boolean {
  return allowed.includes(role);
}
