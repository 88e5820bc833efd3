import { randomBytes } from "node:crypto";

const SAFE_NAME = /[^A-Za-z0-9._-]+/g;

/** A new upload key: `uploads/<random>/<sanitised filename>`; the random part makes it unguessable. */
export function newUploadKey(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "video";
  const safe =
    base
      .replace(SAFE_NAME, "_")
      .replace(/^[._]+/, "")
      .slice(-100) || "video";
  return `uploads/${randomBytes(12).toString("base64url")}/${safe}`;
}

/**
 * Output keys of one run: `rendered/<jobId>-<timestamp>.{mp4,srt,vtt}` and the thumbnail `.jpg` (a retry
 * gets a new timestamp).
 */
export function outputKeys(jobId: string, at: Date = new Date()) {
  const stem = `rendered/${jobId}-${at.getTime()}`;
  return { video: `${stem}.mp4`, srt: `${stem}.srt`, vtt: `${stem}.vtt`, thumbnail: `${stem}.jpg` };
}

/** Keys the public API accepts: inside uploads/, no traversal, no odd characters. */
export function isValidObjectKey(key: string): boolean {
  return (
    key.length <= 512 &&
    /^[A-Za-z0-9._\-/]+$/.test(key) &&
    !key.split("/").some((part) => part === "" || part === "." || part === "..")
  );
}

/**
 * Intermediate files of a split job's run (worker/split): `work/<jobId>/<run>/<name>`. A worker on another
 * machine downloads only its segment; the parent deletes the run's files when the job ends, on every path.
 */
export function splitWorkKey(jobId: string, run: string, name: string): string {
  return `${splitWorkPrefix(jobId)}${run}/${name}`;
}

/**
 * Every split run's files of a job: `work/<jobId>/`. Run ids live in Redis (the parent's data) and in
 * timeline events, not in a column: cleanups list this prefix instead (lib/jobs/job-objects.ts).
 */
export function splitWorkPrefix(jobId: string): string {
  return `work/${jobId}/`;
}
