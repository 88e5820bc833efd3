import { randomBytes } from "node:crypto";

/** Public job id: `job_` + 128 random bits in base64url (22 chars). Unguessable, so it can be a capability. */
export function newJobId(): string {
  return `job_${randomBytes(16).toString("base64url")}`;
}

export const JOB_ID_PATTERN = /^job_[A-Za-z0-9_-]{22}$/;

/** Short id for correlating a 500 response with the server log. */
export function newRequestId(): string {
  return randomBytes(8).toString("hex");
}
