-- AlterTable: the checkpoint keeps what the job result says about the recogniser (model, guessed
-- punctuation, aligned timing), so a job that resumes from it reports the same as one that did not.
ALTER TABLE "JobTranscript" ADD COLUMN     "model" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "punctuation" TEXT NOT NULL DEFAULT 'native',
ADD COLUMN     "wordTiming" TEXT NOT NULL DEFAULT 'native';
