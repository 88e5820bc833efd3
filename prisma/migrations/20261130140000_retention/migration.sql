-- Retention: inputs and outputs are deleted some days after a job finishes (or at once, by an admin's
-- purge). The row keeps what was deleted and when; a job without its outputs is `expired`.
ALTER TYPE "JobStatus" ADD VALUE 'expired';

ALTER TABLE "Job" ADD COLUMN     "inputDeletedAt" TIMESTAMP(3),
ADD COLUMN     "outputsDeletedAt" TIMESTAMP(3),
ADD COLUMN     "expiredReason" TEXT;

-- The sweep's queries: finished jobs past the outputs' cutoff, and those whose input is still there.
CREATE INDEX "Job_status_finishedAt_idx" ON "Job"("status", "finishedAt");
CREATE INDEX "Job_status_inputDeletedAt_finishedAt_idx" ON "Job"("status", "inputDeletedAt", "finishedAt");
