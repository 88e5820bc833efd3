import { JOB_ERRORS } from "../error-codes";
import { Prisma } from "../generated/prisma/client";

// Row contents of the status transitions more than one place makes (console, queue board, worker), so a
// retried or canceled job looks the same whoever did it.

/** A failed or canceled job about to run again from the start: queued, no progress, no error. */
export const FRESH_QUEUED_STATE = {
  status: "queued",
  phase: null,
  progress: 0,
  errorCode: null,
  errorMessage: null,
  errorDetail: Prisma.DbNull,
  startedAt: null,
  finishedAt: null,
} as const satisfies Prisma.JobUpdateManyMutationInput;

/** A job stopped by an administrator. */
export function canceledState(at: Date = new Date()) {
  return {
    status: "canceled",
    phase: null,
    finishedAt: at,
    errorCode: "CANCELED",
    errorMessage: JOB_ERRORS.CANCELED.message,
  } as const satisfies Prisma.JobUpdateManyMutationInput;
}
