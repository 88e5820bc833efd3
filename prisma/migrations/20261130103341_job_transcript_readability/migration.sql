-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "readability" JSONB;

-- CreateTable
CREATE TABLE "JobTranscript" (
    "jobId" TEXT NOT NULL,
    "backend" TEXT NOT NULL,
    "language" TEXT,
    "audioTrack" INTEGER,
    "words" JSONB NOT NULL,
    "segments" JSONB NOT NULL,
    "empty" BOOLEAN NOT NULL DEFAULT false,
    "attempt" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JobTranscript_pkey" PRIMARY KEY ("jobId")
);

-- AddForeignKey
ALTER TABLE "JobTranscript" ADD CONSTRAINT "JobTranscript_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
