import { UnrecoverableError, WaitingError } from "bullmq";
import { describe, expect, it } from "vitest";
import { JobError } from "../lib/error-codes";
import { queueFacingError } from "./queue-record";

describe("queueFacingError", () => {
  it("keeps our own errors and BullMQ's control errors as they are", () => {
    const ours = new JobError("RENDER_FAILED");
    const stop = new UnrecoverableError("INVALID_MEDIA: The file could not be read as a video.");
    const handBack = new WaitingError();
    expect(queueFacingError(ours)).toBe(ours);
    expect(queueFacingError(stop)).toBe(stop);
    expect(queueFacingError(handBack)).toBe(handBack);
  });

  it("replaces anything else, whose message may name server files, by the generic INTERNAL message", () => {
    const prisma = new Error(
      "Invalid `prisma.job.findUnique()` invocation in\n/srv/app/worker/process-caption-job.ts:49:35",
    );
    const facing = queueFacingError(prisma) as Error;
    expect(facing.message).toBe("INTERNAL: Something went wrong on our side.");
    expect(facing.message).not.toContain("/srv/app");
  });
});
