import type { Segment, Word } from "../../lib/captions/types";

export interface Transcript {
  backend: string;
  language: string | null;
  words: Word[];
  segments: Segment[];
  /** true when no speech was recognised */
  empty: boolean;
}

export interface TranscribeInput {
  /** 16 kHz mono s16le WAV made by the extract stage */
  wavPath: string;
  durationSec: number;
  /** per-job temp dir you may write into */
  workDir: string;
  /** ISO-639-1 or undefined = auto */
  language?: string;
  /** Translate the speech into English (backends that can; others transcribe). */
  translate?: boolean;
  /** cancel: kill children, abort requests */
  signal: AbortSignal;
  /** 0..1, monotonic */
  onProgress: (fraction: number) => void;
}

export interface Transcriber {
  readonly name: string;
  transcribe(input: TranscribeInput): Promise<Transcript>;
}
