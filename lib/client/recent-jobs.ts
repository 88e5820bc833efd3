// "My recent videos": the jobs this browser submitted, kept in localStorage (no account needed). Only ids
// and file names are kept, and only on this device; the status always comes from the public API.

export interface RecentJob {
  id: string;
  filename: string;
  /** When it was submitted (ISO). */
  at: string;
}

const KEY = "captioner.recentJobs";
/** The list shows the newest few; older ones fall off. */
export const MAX_RECENT_JOBS = 10;

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // Storage disabled (privacy settings): the list is simply empty.
  }
}

export function readRecentJobs(): RecentJob[] {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(KEY) ?? "[]");
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (item): item is RecentJob =>
        typeof item?.id === "string" && typeof item?.filename === "string" && typeof item?.at === "string",
    );
  } catch {
    return [];
  }
}

function write(jobs: RecentJob[]): void {
  try {
    storage()?.setItem(KEY, JSON.stringify(jobs.slice(0, MAX_RECENT_JOBS)));
  } catch {
    // Full or disabled storage: forgetting the list is harmless.
  }
}

/** Newest first; submitting the same job again (a double click) keeps one entry. */
export function rememberJob(job: RecentJob): void {
  write([job, ...readRecentJobs().filter((item) => item.id !== job.id)]);
}

export function forgetJob(id: string): void {
  write(readRecentJobs().filter((item) => item.id !== id));
}
