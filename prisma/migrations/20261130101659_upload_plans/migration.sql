-- CreateEnum
CREATE TYPE "UploadPlanStatus" AS ENUM ('open', 'completing', 'completed', 'aborted', 'expired');

-- CreateTable
CREATE TABLE "UploadPlan" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "partSize" INTEGER NOT NULL,
    "partCount" INTEGER NOT NULL,
    "driver" TEXT NOT NULL,
    "driverUploadId" TEXT NOT NULL,
    "status" "UploadPlanStatus" NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "UploadPlan_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "UploadPlan_status_expiresAt_idx" ON "UploadPlan"("status", "expiresAt");
