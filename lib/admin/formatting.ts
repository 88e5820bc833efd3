// How the console writes times, durations and sizes. Times are UTC everywhere (the date filters are UTC
// too), so what one person reads matches what a colleague in another timezone reads.

export { formatBytes } from "../video/upload";

/** 2026-11-28 11:49:16 UTC */
export function formatDateTime(date: Date | null): string {
  if (!date) return "—";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "just now", "42 s ago", "4 min ago", "3 h ago", "2 days ago" (and "in 5 s" for a clock slightly ahead). */
export function formatRelative(date: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const ahead = seconds < 0;
  const s = Math.abs(seconds);
  const amount =
    s < 5
      ? null
      : s < 60
        ? `${s} s`
        : s < 3600
          ? `${Math.floor(s / 60)} min`
          : s < 48 * 3600
            ? `${Math.floor(s / 3600)} h`
            : `${Math.floor(s / 86_400)} days`;
  if (amount === null) return "just now";
  return ahead ? `in ${amount}` : `${amount} ago`;
}

/** 850 ms · 4.2 s · 3 min 12 s · 1 h 05 min */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1_000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** Underscores to spaces, first letter up: `extracting_audio` → `Extracting audio`. */
export function humanize(word: string): string {
  const spaced = word.replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const AUDIT_LABELS: Record<string, string> = {
  "job.retry": "Retry",
  "job.retry_refused": "Retry refused (queue unavailable)",
  "job.cancel": "Cancel",
  "job.bulk_retry": "Bulk retry",
  "job.purge": "Purge (files deleted)",
  "user.unlock": "Unlock sign-in",
  "api_key.create": "API key created",
  "api_key.revoke": "API key revoked",
  "api_key.limits": "API key limits changed",
  "webhook.replay": "Webhook replayed",
};

/** `job.bulk_retry` → `Bulk retry`; unknown actions (another tool's) still read as words. */
export function auditActionLabel(action: string): string {
  return AUDIT_LABELS[action] ?? humanize(action.replace(/^job\./, ""));
}
