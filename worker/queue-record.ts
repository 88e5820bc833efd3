import { DelayedError, RateLimitError, UnrecoverableError, WaitingChildrenError, WaitingError } from "bullmq";
import { JOB_ERRORS, JobError } from "../lib/error-codes";

// What a failed attempt leaves in BullMQ (its message as `failedReason`) is shown on the queue board, to
// ops too, who may not read error details. Our own errors carry public messages (`CODE: message`); anything
// else (a Prisma error names files and lines on the server, a system error names paths) is replaced by
// the generic INTERNAL message, after being logged in full. Stack traces are not stored at all
// (`stackTraceLimit: 0` in the job defaults, lib/job-contract.ts).

const BULLMQ_CONTROL_ERRORS = [UnrecoverableError, WaitingError, DelayedError, RateLimitError, WaitingChildrenError];

/** The error to hand BullMQ for `error`; the same object when its message is safe to show. */
export function queueFacingError(error: unknown): unknown {
  if (error instanceof JobError) return error;
  // Control flow for BullMQ (stop retrying, hand back, wait): their messages are our own words.
  if (BULLMQ_CONTROL_ERRORS.some((type) => error instanceof type)) return error;
  return new Error(`INTERNAL: ${JOB_ERRORS.INTERNAL.message}`);
}
