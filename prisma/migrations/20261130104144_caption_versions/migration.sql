-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "captionVersion" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "manageTokenHash" TEXT;

-- CreateTable
CREATE TABLE "JobCaptionVersion" (
    "jobId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "cues" JSONB NOT NULL,
    "outputVideoKey" TEXT,
    "outputSrtKey" TEXT,
    "outputVttKey" TEXT,
    "readability" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "renderedAt" TIMESTAMP(3),

    CONSTRAINT "JobCaptionVersion_pkey" PRIMARY KEY ("jobId","version")
);

-- AddForeignKey
ALTER TABLE "JobCaptionVersion" ADD CONSTRAINT "JobCaptionVersion_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
