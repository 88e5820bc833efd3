-- A frame of the rendered output, captured by the worker; null for jobs without one (older jobs, failed
-- captures, jobs not rendered yet).
ALTER TABLE "Job" ADD COLUMN     "thumbnailKey" TEXT;

ALTER TABLE "JobCaptionVersion" ADD COLUMN     "thumbnailKey" TEXT;
