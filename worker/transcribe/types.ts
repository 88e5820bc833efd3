import type { TranscriberCapabilities } from "../../lib/asr/capabilities";
import type { Segment, Word } from "../../lib/captions/types";

export interface Transcript {
  backend: string;
  /** The model that heard the speech (an API model id, or the local model's name). */
  model: string;
  language: string | null;
  words: Word[];
  segments: Segment[];
  /** true when no speech was recognised */
  empty: boolean;
  /** "guessed": full stops and capitals were inferred from pauses, not heard by a model that punctuates. */
  punctuation: "native" | "guessed";
  /** "aligned": the model gave text only and the worker timed the words (worker/transcribe/align.ts). */
  wordTiming: "native" | "aligned";
  /** Text-only models: how many chunks were force-aligned and how many fell back to proportional timing. */
  alignment?: { forced: number; proportional: number; fallbackReasons: string[] };
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
  /** What this backend can do: the same object the app reads from lib/asr/capabilities for this config. */
  readonly capabilities: TranscriberCapabilities;
  transcribe(input: TranscribeInput): Promise<Transcript>;
}
