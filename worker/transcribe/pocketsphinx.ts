import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { BACKEND_CAPABILITIES } from "../../lib/asr/capabilities";
import type { Segment, Word } from "../../lib/captions/types";
import { JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import type { TranscribeInput, Transcriber, Transcript } from "./types";

// Offline recognition with Debian's pocketsphinx 5prealpha CLI (`pocketsphinx_continuous`), US English
// model only. With `-time yes` it prints, per utterance, the hypothesis line and then one timed line
// per token:
//   good morning everyone
//   <s> 0.000 0.200 0.999200
//   good(2) 0.210 0.340 0.280678
//   <sil> 1.550 1.630 0.504403
//   </s> 8.500 8.800 1.000000
// Times are seconds from the start of the file. We read only the timed lines, one at a time, so a
// long recording never sits in memory as one string.

export const POCKETSPHINX_BACKEND = "pocketsphinx";

export interface PocketsphinxOptions {
  /** Defaults to `pocketsphinx_continuous` on PATH. */
  binary?: string;
  /** Extra recogniser flags (e.g. `-hmm`, `-lm`, `-dict`, VAD tuning); the built-in en-US model otherwise. */
  extraArgs?: string[];
  /** Overrides the media-scaled limit from lib/timeouts (tests use a tiny one). */
  timeoutMs?: number;
}

export type PocketsphinxLine =
  | { kind: "word"; text: string; start: number; end: number }
  /** `<s>`, `<sil>`, `[NOISE]`, `++garbage++`: timed, but nothing to caption. */
  | { kind: "filler"; start: number; end: number };

// word, start, end, posterior probability (printf "%s %.3f %.3f %f").
const TIMED_LINE = /^(\S+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\S+)$/;
const VARIANT_SUFFIX = /\(\d+\)$/;
const FILLER = /^(<[^>]*>|\[[^\]]*\]|\+\+?[^+]*\+\+?)$/;

/**
 * One line of `pocketsphinx_continuous -time yes` output. Hypothesis lines and blank lines give null:
 * their words come again, timed, on the lines that follow.
 */
export function parsePocketsphinxLine(line: string): PocketsphinxLine | null {
  const match = TIMED_LINE.exec(line.trim());
  if (!match) return null;
  const [, token = "", startText = "", endText = "", probText = ""] = match;
  const start = Number(startText);
  const end = Number(endText);
  // A four-word hypothesis cannot pass this: dictionary words are never plain numbers.
  if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(Number(probText))) return null;
  const text = cleanPocketsphinxToken(token);
  if (text === null) return { kind: "filler", start, end: Math.max(start, end) };
  return { kind: "word", text, start, end: Math.max(start, end) };
}

/** `to(3)` → `to`, `i'm` → `I'm`; markup and fillers → null. */
export function cleanPocketsphinxToken(token: string): string | null {
  const bare = token.replace(VARIANT_SUFFIX, "");
  if (bare === "" || FILLER.test(bare)) return null;
  // The dictionary is lower case; the pronoun is the one word every reader notices.
  return bare.replace(/^i(?=$|')/, "I");
}

/**
 * A pause at least this long between two words is taken as the end of a sentence. Measured on flite `slt`
 * speech through pocketsphinx (bench/asr.ts prints it): gaps at sentence ends 0.29–0.59 s, at commas
 * 0.05–0.08 s, between other words ≤ 0.02 s. Human speech pauses more inside sentences, so this errs long.
 */
export const SENTENCE_PAUSE_SEC = 0.25;

/**
 * The cheap punctuation readers expect from a recogniser that gives none: a full stop before a long pause
 * and at the end, a capital after it and at the start. Guessed, and marked so (`punctuation: "guessed"`).
 */
export function guessPunctuation(words: readonly Word[], pauseSec = SENTENCE_PAUSE_SEC): Word[] {
  return words.map((word, i) => {
    const previous = words[i - 1];
    const next = words[i + 1];
    let text = word.text;
    if (!previous || word.start - previous.end >= pauseSec) text = text.charAt(0).toUpperCase() + text.slice(1);
    if ((!next || next.start - word.end >= pauseSec) && !/[.!?,;:]$/.test(text)) text = `${text}.`;
    return text === word.text ? word : { ...word, text };
  });
}

/**
 * Groups words into segments at pauses. Word times are contiguous inside an utterance (silence shows as
 * `<sil>` tokens, which we drop), so the gap between two words is exactly the pause between them.
 * Segments are also capped in length so a speaker who never pauses still gets sentence-sized pieces.
 */
export function groupWordsIntoSegments(
  words: readonly Word[],
  options: { minPauseSec?: number; maxSegmentSec?: number } = {},
): Segment[] {
  const minPauseSec = options.minPauseSec ?? SENTENCE_PAUSE_SEC;
  const maxSegmentSec = options.maxSegmentSec ?? 10;
  const segments: Segment[] = [];
  let current: Word[] = [];
  const flush = () => {
    const first = current[0];
    const last = current[current.length - 1];
    if (first && last) {
      segments.push({ text: current.map((w) => w.text).join(" "), start: first.start, end: last.end, words: current });
    }
    current = [];
  };
  for (const word of words) {
    const first = current[0];
    const last = current[current.length - 1];
    if (first && last && (word.start - last.end >= minPauseSec || word.end - first.start > maxSegmentSec)) flush();
    current.push(word);
  }
  flush();
  return segments;
}

export class PocketsphinxTranscriber implements Transcriber {
  readonly name = POCKETSPHINX_BACKEND;
  readonly capabilities = BACKEND_CAPABILITIES.pocketsphinx();
  private readonly binary: string;
  private readonly extraArgs: string[];
  private readonly timeoutMs: number | undefined;

  constructor(options: PocketsphinxOptions = {}) {
    this.binary = options.binary ?? "pocketsphinx_continuous";
    this.extraArgs = options.extraArgs ?? [];
    this.timeoutMs = options.timeoutMs;
  }

  /** US English only (the processor refuses other languages before any work, from `capabilities`). */
  async transcribe(input: TranscribeInput): Promise<Transcript> {
    const heard: Word[] = [];
    const progress = monotonicProgress(input.onProgress, input.durationSec);
    await this.run(input, (line) => {
      const parsed = parsePocketsphinxLine(line);
      if (!parsed) return;
      progress(parsed.end);
      if (parsed.kind === "word") heard.push({ text: parsed.text, start: parsed.start, end: parsed.end });
    });
    input.onProgress(1);
    const words = guessPunctuation(heard);
    return {
      backend: POCKETSPHINX_BACKEND,
      model: this.capabilities.model,
      language: "en",
      words,
      segments: groupWordsIntoSegments(words),
      empty: words.length === 0,
      punctuation: this.capabilities.punctuation,
      wordTiming: this.capabilities.wordTiming,
    };
  }

  private run(input: TranscribeInput, onLine: (line: string) => void): Promise<void> {
    const { signal } = input;
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const timeoutMs =
      this.timeoutMs ??
      scaledTimeout(TIMEOUTS.transcribeLocalFloorMs, TIMEOUTS.transcribeLocalPerMediaSecondMs, input.durationSec);
    // No `-logfn /dev/null`: errors such as a sample-rate mismatch are only ever written to the log,
    // and support needs them. The log goes to stderr, of which we keep a short tail.
    const args = ["-infile", input.wavPath, "-time", "yes", ...this.extraArgs];

    return new Promise<void>((resolve, reject) => {
      const child = spawn(this.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
      const stderr = new LogTail();
      let failure: unknown = null;
      const stop = (reason: unknown) => {
        failure ??= reason;
        child.kill("SIGKILL");
      };
      const timer = setTimeout(() => stop(this.failed("timeout", { timeoutMs, stderrTail: stderr.text() })), timeoutMs);
      const onAbort = () => stop(abortReason(signal));
      signal.addEventListener("abort", onAbort, { once: true });

      createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
        if (failure !== null) return;
        try {
          onLine(line);
        } catch (error) {
          stop(error);
        }
      });
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("error", (error: NodeJS.ErrnoException) => {
        failure ??= this.failed("spawn-error", { errno: error.code, message: error.message });
      });
      // 'close' comes after stdout has ended, so every line has been handled by now.
      child.on("close", (code, killSignal) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (failure !== null) reject(failure);
        else if (code !== 0)
          reject(this.failed("exit", { exitCode: code, signal: killSignal, stderrTail: stderr.text() }));
        else resolve();
      });
    });
  }

  private failed(reason: string, detail: Record<string, unknown>): JobError {
    return new JobError("TRANSCRIPTION_FAILED", { detail: { backend: POCKETSPHINX_BACKEND, reason, ...detail } });
  }
}

/** Reports `time / duration`, only forwards, and keeps 1 for the end of the run. */
function monotonicProgress(onProgress: (fraction: number) => void, durationSec: number): (timeSec: number) => void {
  let last = 0;
  return (timeSec) => {
    if (!(durationSec > 0)) return;
    const fraction = Math.min(0.99, timeSec / durationSec);
    // Whole-percent steps: a word-by-word stream of tiny updates would only flood the job row.
    if (fraction >= last + 0.01) {
      last = fraction;
      onProgress(fraction);
    }
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * The last few meaningful stderr lines. pocketsphinx logs a configuration dump and INFO lines per
 * utterance (megabytes on a long file); ERROR/FATAL lines are what support needs.
 */
class LogTail {
  private partial = "";
  private readonly lines: string[] = [];

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString("utf8")).split("\n");
    this.partial = (parts.pop() ?? "").slice(-1000);
    for (const line of parts) this.keep(line);
  }

  text(): string {
    const pending = this.partial.trim();
    const all = pending && !pending.startsWith("INFO:") ? [...this.lines, pending] : this.lines;
    return all.join("\n");
  }

  private keep(line: string): void {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("INFO:")) return;
    this.lines.push(trimmed.slice(0, 300));
    if (this.lines.length > 8) this.lines.shift();
  }
}
