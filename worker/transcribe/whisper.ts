import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BACKEND_CAPABILITIES, type TranscriberCapabilities, WHISPER_CPP_LANGUAGES } from "../../lib/asr/capabilities";
import type { Word } from "../../lib/captions/types";
import { type ErrorDetail, JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runSubprocess, SubprocessError } from "../subprocess";
import { groupWordsIntoSegments } from "./pocketsphinx";
import type { TranscribeInput, Transcriber, Transcript } from "./types";
import {
  WHISPER_LINE_PREFIX,
  WHISPER_NATIVE_PACKAGE,
  type WhisperChildMessage,
  type WhisperChildRequest,
} from "./whisper-protocol";

// Local Whisper: whisper.cpp through the prebuilt native module of @fugood/whisper.node (see
// docs/decisions.md), run in a child process per job (whisper-child.ts) so that cancel is a SIGKILL,
// a crash fails one job, and the worker's event loop (which renews BullMQ locks) never waits on it.
// Word timings come from whisper.cpp's token timestamps: one token per segment, joined into words here.

export const WHISPER_BACKEND = "whisper";

/** Whisper's languages (whisper.cpp's table minus haw, yue), from the shared table the app reads too. */
export const WHISPER_LANGUAGES = WHISPER_CPP_LANGUAGES;

/** What a Whisper model can do; `.en` models know English only and neither detect nor translate. */
export interface WhisperCapabilities {
  languages: readonly string[];
  detectsLanguage: boolean;
  wordTimestamps: boolean;
  translatesToEnglish: boolean;
}

export function whisperCapabilities(model: WhisperModelInfo): WhisperCapabilities {
  return model.multilingual
    ? { languages: WHISPER_LANGUAGES, detectsLanguage: true, wordTimestamps: true, translatesToEnglish: true }
    : { languages: ["en"], detectsLanguage: false, wordTimestamps: true, translatesToEnglish: false };
}

export interface WhisperModelInfo {
  path: string;
  /** "base.en" for ggml-base.en.bin: the file's name, which is how whisper.cpp's models are known. */
  name: string;
  multilingual: boolean;
  /** tiny/base/small/medium/large by layer count; "custom" otherwise (e.g. the generated test model). */
  size: string;
  bytes: number;
}

const GGML_MAGIC = 0x67676d6c;
const SIZES: Record<number, string> = { 4: "tiny", 6: "base", 12: "small", 24: "medium", 32: "large" };

/**
 * Reads a ggml Whisper model's header: enough to refuse a missing, truncated or foreign file at start,
 * with a message naming it, instead of failing every job. Synchronous: it runs once, at start.
 */
export function readWhisperModelInfo(modelPath: string): WhisperModelInfo {
  let fd: number;
  try {
    fd = openSync(modelPath, "r");
  } catch (error) {
    throw new Error(`Whisper model ${modelPath} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  try {
    const { size } = fstatSync(fd);
    const header = Buffer.alloc(48);
    const bytesRead = readSync(fd, header, 0, header.length, 0);
    if (bytesRead < header.length || header.readUInt32LE(0) !== GGML_MAGIC) {
      throw new Error(`Whisper model ${modelPath} is not a ggml Whisper model (wrong header)`);
    }
    const nVocab = header.readInt32LE(4);
    const nAudioLayer = header.readInt32LE(20);
    return {
      path: modelPath,
      name: path
        .basename(modelPath)
        .replace(/^ggml-/, "")
        .replace(/\.bin$/, ""),
      multilingual: nVocab >= 51865,
      size: SIZES[nAudioLayer] ?? "custom",
      bytes: size,
    };
  } finally {
    closeSync(fd);
  }
}

/** Where `npm run model:download` puts models and where TRANSCRIBER=auto looks when WHISPER_MODEL_PATH is unset. */
export const DEFAULT_MODEL_DIR = ".data/models";

/**
 * The model file at `location`: the file itself, or in a directory the `ggml-*.bin` there (the largest,
 * i.e. the most accurate, when there are several). Null when there is none.
 */
export function findWhisperModel(location: string): string | null {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(location);
  } catch {
    return null;
  }
  if (!stats.isDirectory()) return location;
  const candidates = readdirSync(location)
    .filter((name) => /^ggml-.+\.bin$/.test(name))
    .map((name) => path.join(location, name))
    .filter((file) => statSync(file).isFile())
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return candidates[0] ?? null;
}

export interface WhisperOptions {
  model: WhisperModelInfo;
  /** CPU threads per job, or a function asked as each job starts (its share of ASR_PARALLELISM); default: all cores. */
  threads?: number | (() => number);
  /** Overrides the media-scaled limit from lib/timeouts (tests use a tiny one). */
  timeoutMs?: number;
}

const CHILD_SCRIPT = fileURLToPath(new URL("./whisper-child.ts", import.meta.url));
/** Why local Whisper cannot run on this machine, or null when its native module is installed. */
export function whisperUnavailableReason(): string | null {
  try {
    createRequire(import.meta.url).resolve(WHISPER_NATIVE_PACKAGE);
    return null;
  } catch {
    return `${WHISPER_NATIVE_PACKAGE} is not installed (it exists for Linux x64 only; this is ${process.platform}-${process.arch}, or npm ran with --omit=optional)`;
  }
}

export class WhisperTranscriber implements Transcriber {
  readonly name = WHISPER_BACKEND;
  readonly model: WhisperModelInfo;
  /** The shared declaration (lib/asr/capabilities), from the model's own name. */
  readonly capabilities: TranscriberCapabilities;
  private readonly whisper: WhisperCapabilities;
  private readonly threadsFor: () => number;
  private readonly timeoutMs: number | undefined;

  constructor(options: WhisperOptions) {
    this.model = options.model;
    this.whisper = whisperCapabilities(options.model);
    this.capabilities = BACKEND_CAPABILITIES.whisper({
      transcriber: "whisper",
      openaiModel: "",
      openaiKeySet: false,
      whisperModel: options.model.name,
    });
    const threads = options.threads ?? availableParallelism();
    this.threadsFor = typeof threads === "function" ? threads : () => threads;
    this.timeoutMs = options.timeoutMs;
  }

  async transcribe(input: TranscribeInput): Promise<Transcript> {
    const requested = input.language;
    if (requested && !this.whisper.languages.includes(requested)) {
      throw new JobError("LANGUAGE_UNSUPPORTED", {
        detail: { backend: WHISPER_BACKEND, model: this.model.name, requested, available: this.whisper.languages },
      });
    }
    const request: WhisperChildRequest = {
      modelPath: this.model.path,
      wavPath: input.wavPath,
      // An English-only model is told so; a multilingual one detects the language unless asked for one.
      language: requested ?? (this.model.multilingual ? "auto" : "en"),
      translate: Boolean(input.translate) && this.whisper.translatesToEnglish,
      threads: this.threadsFor(),
    };
    const result = await this.run(request, input);
    const words = wordsFromTokens(result.segments, input.durationSec);
    input.onProgress(1);
    return {
      backend: WHISPER_BACKEND,
      model: this.model.name,
      punctuation: "native",
      wordTiming: "native",
      language: request.translate ? "en" : (requested ?? result.language ?? null),
      words,
      segments: groupWordsIntoSegments(words),
      empty: words.length === 0,
    };
  }

  private async run(
    request: WhisperChildRequest,
    input: TranscribeInput,
  ): Promise<Extract<WhisperChildMessage, { type: "result" }>> {
    const timeoutMs =
      this.timeoutMs ??
      scaledTimeout(TIMEOUTS.transcribeWhisperFloorMs, TIMEOUTS.transcribeWhisperPerMediaSecondMs, input.durationSec);
    const progress = progressReporter(input);
    let result: Extract<WhisperChildMessage, { type: "result" }> | null = null;
    let failure: Extract<WhisperChildMessage, { type: "error" }> | null = null;
    let partial = "";
    const onStdout = (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const message = parseChildLine(line);
        if (message === null) continue;
        if (message.type === "progress") progress.windows(message.percent);
        else if (message.type === "reached") progress.reached(message.ms / 1000);
        else if (message.type === "result") result = message;
        else if (message.type === "error") failure = message;
      }
    };
    try {
      await runSubprocess(process.execPath, [...childExecArgv(), CHILD_SCRIPT, JSON.stringify(request)], {
        timeoutMs,
        signal: input.signal,
        onStdout,
      });
    } catch (error) {
      if (input.signal.aborted) throw abortReason(input.signal);
      if (!(error instanceof SubprocessError)) throw error;
      const stderrTail = whisperLogTail(error.stderrTail);
      if (failure) throw this.failed(failure, stderrTail);
      throw new JobError("TRANSCRIPTION_FAILED", {
        detail: this.detail({
          reason: error.reason === "timeout" ? "timeout" : "exit",
          exitCode: error.exitCode,
          ...(error.reason === "timeout" ? { timeoutMs } : {}),
          stderrTail,
        }),
      });
    }
    if (!result) throw this.failed(failure ?? { type: "error", stage: "transcribe", message: "no result" }, "");
    return result;
  }

  /** A model that does not load fails every job alike: retrying cannot help, so it is permanent. */
  private failed(failure: Extract<WhisperChildMessage, { type: "error" }>, stderrTail: string): JobError {
    return new JobError("TRANSCRIPTION_FAILED", {
      retryable: failure.stage === "transcribe",
      message:
        failure.stage === "transcribe"
          ? undefined
          : failure.stage === "load"
            ? "The speech recognition model could not be loaded; an administrator must fix the worker's model."
            : "Local speech recognition is not installed on this worker; an administrator must fix it.",
      detail: this.detail({ reason: `${failure.stage}-failed`, message: failure.message, stderrTail }),
    });
  }

  private detail(extra: ErrorDetail): ErrorDetail {
    return { backend: WHISPER_BACKEND, model: this.model.name, threads: this.threadsFor(), ...extra };
  }
}

/**
 * Joins whisper.cpp's one-token segments into words: a token starting with a space begins a word, any
 * other token (a word piece, punctuation) continues the current one. Times are clamped into the audio
 * and kept in order: whisper's timestamps can overshoot the end and its token times can overlap.
 */
export function wordsFromTokens(
  tokens: readonly { text: string; t0: number; t1: number }[],
  durationSec: number,
): Word[] {
  const words: Word[] = [];
  const clamp = (sec: number) => Math.min(Math.max(sec, 0), durationSec);
  let current: Word | null = null;
  const flush = () => {
    if (current && current.text !== "" && !NON_SPEECH.test(current.text)) words.push(current);
    current = null;
  };
  for (const token of tokens) {
    if (token.text === "") continue;
    const start = clamp(token.t0 / 1000);
    const end = clamp(token.t1 / 1000);
    if (current === null || /^\s/.test(token.text)) {
      flush();
      const previous = words[words.length - 1];
      const monotonicStart = Math.max(start, previous?.start ?? 0);
      current = { text: token.text.trim(), start: monotonicStart, end: Math.max(end, monotonicStart) };
    } else {
      current.text += token.text;
      current.end = Math.max(current.end, end);
    }
  }
  flush();
  return words;
}

/**
 * One protocol line from the child, or null for anything else on its stdout. Never throws: this runs in
 * a stream handler, where an exception would take the whole worker down.
 */
export function parseChildLine(line: string): WhisperChildMessage | null {
  if (!line.startsWith(WHISPER_LINE_PREFIX)) return null;
  try {
    const message = JSON.parse(line.slice(WHISPER_LINE_PREFIX.length)) as WhisperChildMessage | null;
    return message && typeof message === "object" && typeof message.type === "string" ? message : null;
  } catch {
    return null;
  }
}

/** whisper.cpp's marker for a window without speech: nothing to caption. */
const NON_SPEECH = /^\[BLANK_AUDIO\]$/;

/** Progress from both signals the child sends: windows done (coarse) and the latest token's time. */
function progressReporter(input: TranscribeInput) {
  let last = 0;
  const report = (fraction: number) => {
    const next = Math.min(0.99, fraction);
    if (next >= last + 0.01) {
      last = next;
      input.onProgress(next);
    }
  };
  return {
    windows: (percent: number) => report(percent / 100),
    reached: (sec: number) => {
      if (input.durationSec > 0) report(sec / input.durationSec);
    },
  };
}

/** The child is TypeScript: run it through the same tsx loader, resolved from here (cwd may be anywhere). */
function childExecArgv(): string[] {
  const loader = createRequire(import.meta.url).resolve("tsx");
  return ["--import", pathToFileURL(loader).href];
}

/** whisper.cpp logs its configuration at INFO on every load; support needs the errors. */
function whisperLogTail(stderr: string): string {
  return stderr
    .split("\n")
    .filter(
      (line) => line.trim() !== "" && !/^(whisper_|read_audio_data|ggml_)\w*: (?!.*(error|failed|invalid))/i.test(line),
    )
    .slice(-8)
    .join("\n")
    .slice(-1500);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}
