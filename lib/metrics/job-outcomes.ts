import type { PrismaClient } from "../db";
import { JOB_ERROR_CODES } from "../error-codes";

// Finished attempts, counted from the timeline rather than from job rows: a row's status moves back to
// `queued` when an admin retries it, so counting rows by status could go down, while timeline events
// are append-only and these counts only ever grow (what a Prometheus counter must do).

export interface JobOutcomeCounts {
  completed: number;
  /** Final failures by error code; every code a failure can carry is present (0 until it happens). */
  failedByCode: Record<string, number>;
  /** Jobs whose files were deleted, by why: retention (the sweep) or purged (an admin). */
  expiredByReason: { retention: number; purged: number };
}

/** Code for a `failed` event whose message does not start with a known code (bounded label values). */
export const UNKNOWN_CODE = "UNKNOWN";

/** Jobs completed, failed (final attempt) by error code, and expired by reason, since the installation began. */
export async function countJobOutcomes(db: PrismaClient): Promise<JobOutcomeCounts> {
  // The worker writes a final failure as `failed` with the message "<CODE>: <public message>".
  const rows = await db.$queryRaw<{ type: string; code: string | null; n: bigint }[]>`
    SELECT type,
           CASE WHEN type = 'failed' THEN substring(message from '^([A-Z_]+):')
                WHEN type = 'expired' THEN data->>'reason' END AS code,
           count(*) AS n
      FROM "JobEvent"
     WHERE type IN ('completed', 'failed', 'expired')
     GROUP BY 1, 2`;
  // A cancel is written as its own `canceled` event, never as a failure.
  const failureCodes = JOB_ERROR_CODES.filter((code) => code !== "CANCELED");
  const failedByCode: Record<string, number> = Object.fromEntries(failureCodes.map((code) => [code, 0]));
  let completed = 0;
  const expiredByReason = { retention: 0, purged: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    if (row.type === "completed") {
      completed += n;
      continue;
    }
    if (row.type === "expired") {
      expiredByReason[row.code === "purged" ? "purged" : "retention"] += n;
      continue;
    }
    const code = row.code && row.code in failedByCode ? row.code : UNKNOWN_CODE;
    failedByCode[code] = (failedByCode[code] ?? 0) + n;
  }
  return { completed, failedByCode, expiredByReason };
}
