import { isStaffRole, JOB_ADMINS, QUEUE_BOARD_READERS, roleAllows } from "../auth/roles";

// The queue board (Bull Board) as the console shows it: one path, one access policy, shared by the
// app (the page and its proxy) and the dashboard process that serves the board.

/**
 * Where the browser sees the board. The app forwards this path unchanged to the dashboard, which serves
 * the board under the same path: Bull Board writes it into the page's <base href>, so it must be the
 * path the browser sees.
 */
export const QUEUE_BOARD_PATH = "/admin/queues/board";

/** full: every action (retry, clean, pause…); read-only: look only; none: not even the page. */
export type QueueBoardAccess = "full" | "read-only" | "none";

/** The console's roles decide: job admins act on the queue, other board readers (ops) watch it, the rest (support) see nothing. */
export function queueBoardAccess(role: string): QueueBoardAccess {
  if (!isStaffRole(role) || !roleAllows(QUEUE_BOARD_READERS, role)) return "none";
  return roleAllows(JOB_ADMINS, role) ? "full" : "read-only";
}
