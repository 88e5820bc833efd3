import { humanize } from "./formatting";

/** An audit entry as the console reads it: a sentence, with the job id kept apart so it can be a link. */
export interface AuditSentence {
  /** Words before the job id (or the whole sentence when there is no job). */
  lead: string;
  jobId: string | null;
  /** Words after the job id. */
  tail: string;
}

interface AuditFacts {
  userEmail: string;
  action: string;
  jobId?: string | null;
  data: unknown;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const PLACES: Record<string, string> = { board: "queue board", cli: "command line" };

/** ", from the queue board" for actions taken outside the console. */
function via(data: Record<string, unknown>): string {
  const where = text(data.via);
  return where && where !== "console" ? ` from the ${PLACES[where] ?? where}` : "";
}

/**
 * "admin@example.com retried job job_… (INVALID_MEDIA), run 2." Unknown actions (a newer tool's) still read as
 * words, so the log never shows raw JSON to a person.
 */
export function auditSentence(entry: AuditFacts): AuditSentence {
  const data = record(entry.data);
  const who = entry.userEmail;
  const jobId = entry.jobId ?? null;
  const previous = record(data.previous);
  switch (entry.action) {
    case "job.retry": {
      const code = text(previous.errorCode) ?? (previous.status === "canceled" ? "canceled" : null);
      const run = count(data.run);
      return {
        lead: `${who} retried job `,
        jobId,
        tail: `${code ? ` (${code})` : ""}${run ? `, run ${run}` : ""}${data.bulk ? " in a bulk retry" : ""}${via(data)}.`,
      };
    }
    case "job.retry_refused":
      return { lead: `${who} tried to retry job `, jobId, tail: `, but the queue was unavailable; nothing changed.` };
    case "job.cancel": {
      const status = text(previous.status);
      const phase = text(previous.phase);
      const progress = count(previous.progress);
      const during = phase ? ` (${humanize(phase).toLowerCase()}${progress !== null ? `, ${progress}%` : ""})` : "";
      return {
        lead: `${who} canceled job `,
        jobId,
        tail: `${status ? ` while it was ${status}${during}` : ""}${via(data)}.`,
      };
    }
    case "job.purge": {
      const status = text(previous.status);
      const files = count(data.filesDeleted);
      return {
        lead: `${who} purged job `,
        jobId,
        tail: `${status ? ` (${status})` : ""}: ${files !== null ? `${files} file${files === 1 ? "" : "s"} deleted` : "its files deleted"}, with its transcript and caption text${via(data)}.`,
      };
    }
    case "job.bulk_retry": {
      const retried = count(data.retried) ?? 0;
      const matched = count(data.matched);
      const filter = text(data.filter);
      const skipped = count(data.skipped);
      return {
        lead: `${who} retried ${retried}${matched !== null ? ` of ${matched}` : ""} failed job${(matched ?? retried) === 1 ? "" : "s"} matching ${filter ? `“${filter}”` : "every job"}${skipped ? ` (${skipped} skipped)` : ""}${data.stoppedEarly ? "; stopped early: the queue was unavailable" : ""}.`,
        jobId: null,
        tail: "",
      };
    }
    case "user.unlock": {
      const account = text(data.email) ?? "an account";
      const locked = count(data.wasLockedForSec);
      const left = locked ? ` (${Math.ceil(locked / 60)} min of its cool-down left)` : "";
      return { lead: `${who} unlocked sign-in for ${account}${left}${via(data)}.`, jobId: null, tail: "" };
    }
    default: {
      const what = humanize(entry.action.replace(/\./g, " ").replace(/_/g, " ")).toLowerCase();
      return jobId
        ? { lead: `${who}: ${what}, job `, jobId, tail: "." }
        : { lead: `${who}: ${what}.`, jobId: null, tail: "" };
    }
  }
}
