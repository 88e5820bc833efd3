// Who submitted a job, as the console shows it and filters by it. The filter value is the submitter's own
// id: `key_…` (an API key), `ip_…` (an anonymous caller's IP hash) or a console user's id.

export interface Submitter {
  kind: "key" | "user" | "anonymous" | "unknown";
  label: string;
  /** The job list's `submitter` filter value for this submitter; null when nothing was recorded. */
  filter: string | null;
}

export interface SubmitterColumns {
  apiKeyId: string | null;
  apiKeyName: string | null;
  submittedByUserId: string | null;
  submitterEmail: string | null;
  submitterIpHash: string | null;
}

export function describeSubmitter(job: SubmitterColumns): Submitter {
  if (job.apiKeyId) return { kind: "key", label: `API key “${job.apiKeyName ?? job.apiKeyId}”`, filter: job.apiKeyId };
  if (job.submittedByUserId) {
    return { kind: "user", label: job.submitterEmail ?? job.submittedByUserId, filter: job.submittedByUserId };
  }
  if (job.submitterIpHash)
    return { kind: "anonymous", label: `Anonymous (${job.submitterIpHash})`, filter: job.submitterIpHash };
  // Jobs from before submitters were recorded, or whose key/user was deleted.
  return { kind: "unknown", label: "Not recorded", filter: null };
}
