// One Whisper run in its own process (started by worker/transcribe/whisper.ts through the subprocess
// runner). whisper.cpp's stop() only discards the result once the current 30 s window is done, and a
// native crash on a bad model would take the whole worker down: a process of its own can be killed at
// once and fails alone. Protocol: the request is argv[2] (JSON); every answer is one stdout line
// starting with WHISPER_LINE_PREFIX followed by JSON, so anything else the native code prints is ignored.

import { createRequire } from "node:module";
import {
  WHISPER_LINE_PREFIX,
  WHISPER_NATIVE_PACKAGE,
  type WhisperChildMessage,
  type WhisperChildRequest,
} from "./whisper-protocol";

/** The part of @fugood/node-whisper-linux-x64's native API (whisper.node 1.1) this backend uses. */
interface NativeWhisperContext {
  transcribeFile(
    file: string,
    options: {
      language?: string;
      translate?: boolean;
      maxThreads?: number;
      maxLen?: number;
      tokenTimestamps?: boolean;
      onProgress?: (percent: number) => void;
      onNewSegments?: (result: { segments: NativeSegment[] }) => void;
    },
  ): {
    stop: () => Promise<void>;
    promise: Promise<{ language?: string; segments: NativeSegment[]; isAborted: boolean }>;
  };
  release(): Promise<void>;
}
interface NativeSegment {
  text: string;
  /** milliseconds */
  t0: number;
  t1: number;
}
interface NativeModule {
  WhisperContext: new (options: { filePath: string; useGpu?: boolean }) => NativeWhisperContext;
}

function send(message: WhisperChildMessage): void {
  process.stdout.write(`${WHISPER_LINE_PREFIX}${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? "{}") as WhisperChildRequest;
  let native: NativeModule;
  try {
    native = createRequire(import.meta.url)(WHISPER_NATIVE_PACKAGE) as NativeModule;
  } catch (error) {
    send({ type: "error", stage: "binding", message: messageOf(error) });
    process.exitCode = 2;
    return;
  }
  let context: NativeWhisperContext;
  try {
    // Some builds construct synchronously, others hand back a promise.
    context = await new native.WhisperContext({ filePath: request.modelPath, useGpu: false });
  } catch (error) {
    send({ type: "error", stage: "load", message: messageOf(error) });
    process.exitCode = 2;
    return;
  }
  send({ type: "loaded" });
  const run = context.transcribeFile(request.wavPath, {
    language: request.language,
    translate: request.translate,
    maxThreads: request.threads,
    // One token per segment, each with its own timestamps: the parent joins tokens into words.
    maxLen: 1,
    tokenTimestamps: true,
    onProgress: (percent) => send({ type: "progress", percent }),
    onNewSegments: ({ segments }) => {
      const last = segments[segments.length - 1];
      if (last) send({ type: "reached", ms: last.t1 });
    },
  });
  try {
    const result = await run.promise;
    send({ type: "result", language: result.language ?? null, segments: result.segments });
  } catch (error) {
    send({ type: "error", stage: "transcribe", message: messageOf(error) });
    process.exitCode = 3;
  } finally {
    await context.release().catch(() => {});
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

await main();
