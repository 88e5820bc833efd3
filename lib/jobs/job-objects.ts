import type { PrismaClient } from "../db";
import type { Job, JobCaptionVersion } from "../generated/prisma/client";
import { splitWorkPrefix } from "../storage/keys";
import type { Storage } from "../storage/types";

// Every storage object a job owns, in one place: retention, the admin's purge and the split flow's cleanups
// delete exactly this list. A new kind of object (a thumbnail, a waveform…) is added HERE, or it outlives
// its job.

type JobKeyFields = Pick<Job, "id" | "inputKey" | "outputVideoKey" | "outputSrtKey" | "outputVttKey" | "thumbnailKey">;
type VersionKeyFields = Pick<JobCaptionVersion, "outputVideoKey" | "outputSrtKey" | "outputVttKey" | "thumbnailKey">;

export interface JobObjectKeys {
  /** The uploaded file (`uploads/…`): needed to run the job again (retry, caption edit). */
  input: string[];
  /** Everything rendered (`rendered/…`: video, SRT, VTT, thumbnail): the row's and every caption version's, without duplicates. */
  outputs: string[];
  /**
   * Prefixes whose every object is the job's: a split job's intermediate files (`work/<jobId>/<run>/…`:
   * pieces of the input, their audio, rendered segments). No column records a run's id, so they are found
   * by listing; they go whenever the input goes (they are copies of it), and on every final path of a run.
   */
  workPrefixes: string[];
}

/** The keys of a job row and its caption versions (pure: for callers that already read them). */
export function jobObjectKeys(job: JobKeyFields, versions: readonly VersionKeyFields[]): JobObjectKeys {
  const outputs = new Set<string>();
  for (const owner of [job, ...versions]) {
    for (const key of [owner.outputVideoKey, owner.outputSrtKey, owner.outputVttKey, owner.thumbnailKey]) {
      if (key) outputs.add(key);
    }
  }
  return { input: [job.inputKey], outputs: [...outputs], workPrefixes: jobWorkPrefixes(job.id) };
}

/** The job's work prefixes, for callers that have only its id (the worker's cleanups, a cancel). */
export function jobWorkPrefixes(jobId: string): string[] {
  return [splitWorkPrefix(jobId)];
}

/** The keys of job `id` as Postgres has them now; null when there is no such job. */
export async function loadJobObjectKeys(db: PrismaClient, id: string): Promise<JobObjectKeys | null> {
  const job = await db.job.findUnique({
    where: { id },
    select: {
      id: true,
      inputKey: true,
      outputVideoKey: true,
      outputSrtKey: true,
      outputVttKey: true,
      thumbnailKey: true,
      captionVersions: { select: { outputVideoKey: true, outputSrtKey: true, outputVttKey: true, thumbnailKey: true } },
    },
  });
  return job && jobObjectKeys(job, job.captionVersions);
}

/**
 * Deletes every object under the job's work prefixes (every split run it ever had); returns how many.
 * Throws when storage does (the caller decides whether that is worth a retry or a log line).
 */
export function deleteJobWork(storage: Pick<Storage, "listKeys" | "delete">, jobId: string): Promise<number> {
  return deleteUnderPrefixes(storage, jobWorkPrefixes(jobId));
}

/** Deletes every object under `prefixes` (a JobObjectKeys' workPrefixes); returns how many. */
export async function deleteUnderPrefixes(
  storage: Pick<Storage, "listKeys" | "delete">,
  prefixes: readonly string[],
): Promise<number> {
  let deleted = 0;
  for (const prefix of prefixes) {
    // Listed whole, then deleted a batch at a time: a run has 3 objects per segment (a few hundred at most).
    const keys: string[] = [];
    for await (const key of storage.listKeys(prefix)) keys.push(key);
    for (let i = 0; i < keys.length; i += WORK_DELETE_BATCH) {
      await Promise.all(keys.slice(i, i + WORK_DELETE_BATCH).map((key) => storage.delete(key)));
    }
    deleted += keys.length;
  }
  return deleted;
}

/** Deletes in flight at once: a run has 3 objects per segment plus 2; a few dozen requests at a time. */
const WORK_DELETE_BATCH = 16;
