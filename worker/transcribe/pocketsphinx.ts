import { rm } from "node:fs/promises";
import path from "node:path";
import { BACKEND_CAPABILITIES } from "../../lib/asr/capabilities";
import type { Segment, Word } from "../../lib/captions/types";
import { JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runSubprocess, SubprocessError } from "../subprocess";
import {
  type AudioChunk,
  detectSilences,
  readWavLayout,
  splitForParallelism,
  stitchChunkWords,
  writeWavChunk,
} from "./silences";
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
  /**
   * Recogniser processes one job may run at once, asked when each job starts (./parallelism.ts shares
   * ASR_PARALLELISM among the jobs running); 1 = one pass over the whole file.
   */
  parallelism?: number | (() => number);
  /** Chunks shorter than this are not worth a process of their own (MIN_PARALLEL_CHUNK_SEC). */
  minChunkSec?: number;
  /** Audio before a cut a chunk's recogniser hears to warm up, its words dropped (LEAD_IN_SEC). */
  leadInSec?: number;
}

/** Audio before a cut each chunk also hears, to warm up (see plan); measured with bench/asr.ts. */
export const LEAD_IN_SEC = 3;

/** A chunk as its recogniser hears it (from the lead-in on) and the part whose words it reports. */
type HeardChunk = AudioChunk & { owns: { start: number; end: number } };

/**
 * Below this a chunk costs more than it saves: each pocketsphinx process spends ~0.3 s loading its model,
 * and a silencedetect pass runs first. 10 s chunks keep that under 5%.
 */
export const MIN_PARALLEL_CHUNK_SEC = 10;

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
  private readonly parallelism: () => number;
  private readonly minChunkSec: number;
  private readonly leadInSec: number;

  constructor(options: PocketsphinxOptions = {}) {
    this.binary = options.binary ?? "pocketsphinx_continuous";
    this.extraArgs = options.extraArgs ?? [];
    this.timeoutMs = options.timeoutMs;
    const parallelism = options.parallelism ?? 1;
    this.parallelism = typeof parallelism === "function" ? parallelism : () => parallelism;
    this.minChunkSec = options.minChunkSec ?? MIN_PARALLEL_CHUNK_SEC;
    this.leadInSec = options.leadInSec ?? LEAD_IN_SEC;
  }

  /**
   * US English only (the processor refuses other languages before any work, from `capabilities`). With a
   * parallelism above 1 the audio is cut at silences into that many chunks (at least minChunkSec each), one
   * recogniser process per chunk, all at once; words come back on the input's timeline, each once.
   */
  async transcribe(input: TranscribeInput): Promise<Transcript> {
    if (input.signal.aborted) throw abortReason(input.signal);
    const parts = this.parallelism();
    const chunks = parts > 1 && input.durationSec >= 2 * this.minChunkSec ? await this.plan(input, parts) : null;
    const heard =
      chunks && chunks.length > 1 ? await this.recogniseChunks(input, chunks) : await this.recogniseWhole(input);
    input.onProgress(1);
    // After stitching: a pause at a chunk edge is a sentence end like any other.
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

  private async plan(input: TranscribeInput, parts: number): Promise<HeardChunk[]> {
    // A file we cannot cut (not a 16-bit PCM WAV, or ffmpeg cannot read it) is heard in one pass, and
    // pocketsphinx reports what is wrong with it: a failed split is never a failed job by itself.
    const [silences, layout] = await Promise.all([
      detectSilences(input, POCKETSPHINX_BACKEND).catch((error: unknown) => {
        if (input.signal.aborted) throw abortReason(input.signal);
        return error instanceof JobError ? null : Promise.reject(error);
      }),
      readWavLayout(input.wavPath).catch(() => null),
    ]);
    if (!silences || layout?.bitsPerSample !== 16) return [];
    const chunks = splitForParallelism(input.durationSec, silences, parts, {
      sampleRate: layout.sampleRate,
      totalSamples: layout.totalSamples,
      minChunkSec: this.minChunkSec,
    });
    // Each chunk after the first is heard from a pause LEAD_IN_SEC or more before its cut: the recogniser's
    // running cepstral mean starts from a generic value and needs some seconds of this speaker before it
    // hears well, and a lead-in that starts in a pause gives it whole utterances, not half a word. Words in
    // the lead-in belong to the chunk before (stitchChunkWords keeps each word once).
    return chunks.map((chunk, i) => {
      const owns = { start: chunk.start, end: chunk.end };
      if (i === 0 || this.leadInSec <= 0) return { ...chunk, owns };
      const latest = chunk.start - this.leadInSec;
      const pause = silences
        .map((s) => (s.start + s.end) / 2)
        .filter((middle) => middle <= latest && middle >= latest - 2 * this.leadInSec)
        .at(-1);
      const startSample = Math.round(Math.max(0, pause ?? latest) * layout.sampleRate);
      return { ...chunk, startSample, start: startSample / layout.sampleRate, owns };
    });
  }

  private async recogniseWhole(input: TranscribeInput): Promise<Word[]> {
    const heard: Word[] = [];
    const progress = monotonicProgress(input.onProgress, input.durationSec);
    await this.run(input.wavPath, this.limitFor(input.durationSec), input.signal, (parsed) => {
      progress(parsed.end);
      if (parsed.kind === "word") heard.push({ text: parsed.text, start: parsed.start, end: parsed.end });
    });
    return heard;
  }

  /**
   * One process per chunk, all at once. The first failure (or a cancel) kills every other chunk's process,
   * and nothing returns before all of them have exited: no recogniser outlives its job.
   */
  private async recogniseChunks(input: TranscribeInput, chunks: readonly HeardChunk[]): Promise<Word[]> {
    const layout = await readWavLayout(input.wavPath);
    const stop = new AbortController();
    const signal = AbortSignal.any([input.signal, stop.signal]);
    // Progress is the audio heard so far over all chunks: each chunk's latest time, summed.
    const heardSec = chunks.map(() => 0);
    const totalSec = chunks.reduce((sum, c) => sum + (c.end - c.start), 0);
    const progress = monotonicProgress(input.onProgress, totalSec);
    const results = await Promise.allSettled(
      chunks.map(async (chunk, i) => {
        const file = path.join(input.workDir, `pocketsphinx-chunk-${i}.wav`);
        const words: Word[] = [];
        try {
          await writeWavChunk(input.wavPath, layout, chunk, file);
          await this.run(file, this.limitFor(chunk.end - chunk.start), signal, (parsed) => {
            heardSec[i] = Math.max(heardSec[i] ?? 0, parsed.end);
            progress(heardSec.reduce((a, b) => a + b, 0));
            if (parsed.kind === "word") words.push({ text: parsed.text, start: parsed.start, end: parsed.end });
          });
          return { range: chunk, owns: chunk.owns, words };
        } catch (error) {
          stop.abort(error);
          throw error;
        } finally {
          await rm(file, { force: true });
        }
      }),
    );
    if (input.signal.aborted) throw abortReason(input.signal);
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return stitchChunkWords(results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : [])));
  }

  private limitFor(seconds: number): number {
    return (
      this.timeoutMs ??
      scaledTimeout(TIMEOUTS.transcribeLocalFloorMs, TIMEOUTS.transcribeLocalPerMediaSecondMs, seconds)
    );
  }

  /** One recogniser process on the one subprocess runner (timeout, cancel → SIGKILL); stdout read by line. */
  private async run(
    wavPath: string,
    timeoutMs: number,
    signal: AbortSignal,
    onParsed: (parsed: PocketsphinxLine) => void,
  ): Promise<void> {
    if (signal.aborted) throw abortReason(signal);
    // No `-logfn /dev/null`: errors such as a sample-rate mismatch are only ever written to the log,
    // and support needs them. The log goes to stderr, of which we keep the meaningful tail.
    const args = ["-infile", wavPath, "-time", "yes", ...this.extraArgs];
    const stderr = new LogTail();
    const handlerFailed = new AbortController();
    let handlerError: unknown = null;
    let partial = "";
    const handle = (line: string) => {
      const parsed = parsePocketsphinxLine(line);
      if (parsed) onParsed(parsed);
    };
    try {
      await runSubprocess(this.binary, args, {
        timeoutMs,
        signal: AbortSignal.any([signal, handlerFailed.signal]),
        keepStdout: false,
        onStderr: (chunk) => stderr.push(chunk),
        onStdout: (chunk) => {
          if (handlerError !== null) return;
          const lines = (partial + chunk).split(/\r?\n/);
          partial = lines.pop() ?? "";
          try {
            for (const line of lines) handle(line);
          } catch (error) {
            handlerError = error;
            handlerFailed.abort(error);
          }
        },
      });
      if (partial) handle(partial);
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      if (handlerError !== null) throw handlerError;
      if (!(error instanceof SubprocessError)) throw error;
      if (error.errno) throw this.failed("spawn-error", { errno: error.errno, message: error.stderrTail });
      if (error.reason === "timeout") throw this.failed("timeout", { timeoutMs, stderrTail: stderr.text() });
      throw this.failed("exit", { exitCode: error.exitCode, stderrTail: stderr.text() });
    }
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

  push(chunk: string): void {
    const parts = (this.partial + chunk).split("\n");
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
