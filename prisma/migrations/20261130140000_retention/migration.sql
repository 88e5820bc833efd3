-- Retention: inputs and outputs are deleted some days after a job finishes (or at once, by an admin's
-- purge). The row keeps what was deleted and when; a job without its outputs is `expired`.
ALTER TYPE "JobStatus" ADD VALUE 'expired';

ALTER TABLE "Job" ADD COLUMN     "inputDeletedAt" TIMESTAMP(3),
ADD COLUMN     "outputsDeletedAt" TIMESTAMP(3),
ADD COLUMN     "expiredReason" TEXT;

-- The sweep's input deletion: finished jobs of one status whose input is still there, by age (expiry walks
-- the existing finishedAt index from a cursor; see lib/jobs/retention.ts).
CREATE INDEX "Job_status_inputDeletedAt_finishedAt_idx" ON "Job"("status", "inputDeletedAt", "finishedAt");
