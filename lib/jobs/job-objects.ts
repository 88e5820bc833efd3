import type { PrismaClient } from "../db";
import type { Job, JobCaptionVersion } from "../generated/prisma/client";

// Every storage object a job owns, in one place: retention and the admin's purge delete exactly this list.
// A new kind of object (a thumbnail, a waveform…) is added HERE, or it outlives its job.

type JobKeyFields = Pick<Job, "inputKey" | "outputVideoKey" | "outputSrtKey" | "outputVttKey" | "thumbnailKey">;
type VersionKeyFields = Pick<JobCaptionVersion, "outputVideoKey" | "outputSrtKey" | "outputVttKey" | "thumbnailKey">;

export interface JobObjectKeys {
  /** The uploaded file (`uploads/…`): needed to run the job again (retry, caption edit). */
  input: string[];
  /** Everything rendered (`rendered/…`: video, SRT, VTT, thumbnail): the row's and every caption version's, without duplicates. */
  outputs: string[];
}

/** The keys of a job row and its caption versions (pure: for callers that already read them). */
export function jobObjectKeys(job: JobKeyFields, versions: readonly VersionKeyFields[]): JobObjectKeys {
  const outputs = new Set<string>();
  for (const owner of [job, ...versions]) {
    for (const key of [owner.outputVideoKey, owner.outputSrtKey, owner.outputVttKey, owner.thumbnailKey]) {
      if (key) outputs.add(key);
    }
  }
  return { input: [job.inputKey], outputs: [...outputs] };
}

/** The keys of job `id` as Postgres has them now; null when there is no such job. */
export async function loadJobObjectKeys(db: PrismaClient, id: string): Promise<JobObjectKeys | null> {
  const job = await db.job.findUnique({
    where: { id },
    select: {
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
