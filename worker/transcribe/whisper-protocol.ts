// What worker/transcribe/whisper.ts and its child process (whisper-child.ts) say to each other.

/** The prebuilt whisper.cpp module the child loads; published for Linux x64 (glibc) only. */
export const WHISPER_NATIVE_PACKAGE = "@fugood/node-whisper-linux-x64";

/** Marks the child's protocol lines on stdout; native code may print other lines there. */
export const WHISPER_LINE_PREFIX = "@@whisper ";

export interface WhisperChildRequest {
  modelPath: string;
  /** 16 kHz mono WAV */
  wavPath: string;
  /** ISO-639-1, or "auto" to detect (multilingual models only) */
  language: string;
  translate: boolean;
  threads: number;
}

export type WhisperChildMessage =
  | { type: "loaded" }
  /** whisper.cpp's percent of windows processed (can pass 100 on the last, shorter window) */
  | { type: "progress"; percent: number }
  /** end of the latest decoded token, in ms */
  | { type: "reached"; ms: number }
  | { type: "result"; language: string | null; segments: { text: string; t0: number; t1: number }[] }
  | { type: "error"; stage: "binding" | "load" | "transcribe"; message: string };
