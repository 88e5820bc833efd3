-- CreateTable: the segments of a long video split across workers (worker/split, docs/scaling.md).
CREATE TABLE "JobSegment" (
    "jobId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "startSec" DOUBLE PRECISION NOT NULL,
    "endSec" DOUBLE PRECISION NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "worker" TEXT,
    "transcribeMs" INTEGER,
    "renderMs" INTEGER,
    "errorCode" TEXT,
    "transcript" JSONB,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobSegment_pkey" PRIMARY KEY ("jobId","index")
);

-- AddForeignKey
ALTER TABLE "JobSegment" ADD CONSTRAINT "JobSegment_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
