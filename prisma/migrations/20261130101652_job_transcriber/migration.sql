-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "transcriber" JSONB;
