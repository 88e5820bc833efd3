import type { ResumeStore, UploadPlan } from "./part-uploader";

// The upload page's memory of unfinished multipart uploads, in localStorage: a reload (or a crash) loses
// the File object, so the same file picked again is recognised by name, size and last-modified time.

const PREFIX = "captioner.upload:";
/** Entries older than this are dropped on sight: the server's plans expire long before (MULTIPART_PLAN_TTL_SEC). */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

interface Saved {
  statusUrl: string;
  savedAt: number;
}

function entryKey(file: { name: string; size: number; lastModified: number }): string {
  return `${PREFIX}${JSON.stringify([file.name, file.size, file.lastModified])}`;
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // disabled storage (some private modes): no resume across reloads, uploads still work
  }
}

/** The resume store for one picked file. */
export function savedUploadFor(file: { name: string; size: number; lastModified: number }): ResumeStore {
  const key = entryKey(file);
  return {
    load() {
      const raw = storage()?.getItem(key);
      if (!raw) return null;
      try {
        const saved = JSON.parse(raw) as Saved;
        if (typeof saved.statusUrl === "string" && Date.now() - saved.savedAt < MAX_AGE_MS) return saved;
      } catch {
        // unreadable: forget it
      }
      storage()?.removeItem(key);
      return null;
    },
    save(plan: UploadPlan) {
      try {
        storage()?.setItem(key, JSON.stringify({ statusUrl: plan.statusUrl, savedAt: Date.now() } satisfies Saved));
      } catch {
        // quota or disabled storage: this upload just cannot be resumed after a reload
      }
    },
    clear() {
      storage()?.removeItem(key);
    },
  };
}
