import type { StoredTranscriber } from "../asr/capabilities";
import type { Segment, Word } from "../captions/types";
import type { PrismaClient } from "../db";

// The transcript checkpoint: a job's recognised speech, written once when transcription finishes (in
// Postgres, table JobTranscript, beside the row it belongs to). A later attempt — BullMQ's automatic
// retry or an admin's — reads it and skips extracting audio and recognising again (Documenso's memoized
// job steps, STYLE.md 15). Admin retries keep it: the speech in the uploaded file has not changed.

export interface CheckpointedTranscript extends StoredTranscriber {
  language: string | null;
  words: Word[];
  segments: Segment[];
  empty: boolean;
}

export interface TranscriptCheckpoint {
  transcript: CheckpointedTranscript;
  /** Position among the audio tracks it was recognised from; null when the video has no audio. */
  audioTrack: number | null;
  /** The attempt that recognised it. */
  attempt: number;
}

/** The job's saved transcript, or null when no attempt has finished recognising yet. */
export async function loadTranscriptCheckpoint(db: PrismaClient, jobId: string): Promise<TranscriptCheckpoint | null> {
  const row = await db.jobTranscript.findUnique({ where: { jobId } });
  if (!row) return null;
  return {
    transcript: {
      backend: row.backend,
      model: row.model,
      punctuation: row.punctuation === "guessed" ? "guessed" : "native",
      wordTiming: row.wordTiming === "aligned" ? "aligned" : "native",
      language: row.language,
      words: row.words as unknown as Word[],
      segments: row.segments as unknown as Segment[],
      empty: row.empty,
    },
    audioTrack: row.audioTrack,
    attempt: row.attempt,
  };
}

/** Saves the transcript once; a second save for the same job (a duplicate delivery racing) keeps the first. */
export async function saveTranscriptCheckpoint(
  db: PrismaClient,
  jobId: string,
  checkpoint: TranscriptCheckpoint,
): Promise<void> {
  const { transcript } = checkpoint;
  await db.jobTranscript.upsert({
    where: { jobId },
    update: {},
    create: {
      jobId,
      backend: transcript.backend,
      model: transcript.model,
      punctuation: transcript.punctuation,
      wordTiming: transcript.wordTiming,
      language: transcript.language,
      // Plain objects only: a backend's class instances or undefined fields must not reach JSON.
      words: JSON.parse(JSON.stringify(transcript.words)),
      segments: JSON.parse(JSON.stringify(transcript.segments)),
      empty: transcript.empty,
      audioTrack: checkpoint.audioTrack,
      attempt: checkpoint.attempt,
    },
  });
}
