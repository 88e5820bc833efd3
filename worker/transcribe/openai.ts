import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import OpenAI, { toFile } from "openai";
import { z } from "zod";
import { BACKEND_CAPABILITIES, type TranscriberCapabilities } from "../../lib/asr/capabilities";
import type { Segment, Word } from "../../lib/captions/types";
import { type ErrorDetail, JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runSubprocess, SubprocessError } from "../subprocess";
import { type AlignResult, alignChunk, type TimeRange } from "./align";
import { detectSilences, nextChunkEnd, silencesWithin } from "./silences";
import type { TranscribeInput, Transcriber, Transcript } from "./types";

export type { TimeRange };

// Transcription through OpenAI's audio API or any server that speaks it (whisper.cpp's whisper-server,
// LocalAI, ...). The 16 kHz WAV is re-encoded to Ogg/Opus first: speech at 24 kbit/s is ~180 KB per
// minute, so about two hours fit in one request; longer audio is cut at silences into chunks that each
// fit, sent one after another, and stitched back onto one timeline.
//
// Models that return text without timestamps (gpt-transcribe, gpt-4o-*-transcribe, many hosted servers)
// are known by lib/asr/capabilities' table or by the 400 they answer to verbose_json. For them the audio
// is always cut at silences into chunks of at most TEXT_ONLY_CHUNK_SEC, so each chunk's edges are true
// times; each chunk is sent for plain `json` text and its words are timed inside it (./align.ts).

export const OPENAI_BACKEND = "openai";
/** A margin under OpenAI's 25 MB request limit, leaving room for the multipart envelope. */
export const DEFAULT_MAX_UPLOAD_BYTES = 24 * 1024 * 1024;

export interface OpenAITranscriberOptions {
  apiKey: string;
  /** Any OpenAI-compatible server; OpenAI's own API when unset. */
  baseURL?: string;
  model: string;
  maxUploadBytes?: number;
  /** Per request attempt; TIMEOUTS.transcribeApiRequestMs by default. */
  requestTimeoutMs?: number;
  /** The SDK's retries of 408/409/429/5xx and connection errors, with backoff. */
  maxRetries?: number;
  /** Text-only models: the aligner's pronunciation dictionary (bench/asr.ts passes a missing one to measure the fallback). */
  alignDictionaryPath?: string;
}

const OPUS_BITRATE_BPS = 24_000;
/** Chunks aim this far under the limit: Opus is VBR, so a chunk's size is only known after encoding. */
const CHUNK_FILL = 0.9;
/** Below this a chunk plan is pointless (the limit is misconfigured), so we stop instead of looping. */
const MIN_CHUNK_SEC = 2;
/**
 * Longest chunk for a text-only model. Short chunks keep the proportional fallback close to the truth
 * and alignment cheap; 30 s is the window Whisper-family models hear at once, so no sentence context
 * is lost inside it. Chunks end at the last silence after half of this.
 */
export const TEXT_ONLY_CHUNK_SEC = 30;

export class OpenAITranscriber implements Transcriber {
  readonly name = OPENAI_BACKEND;
  /** Starts from the known-model table; a model that refuses timestamps turns it to "aligned" for good. */
  capabilities: TranscriberCapabilities;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly maxUploadBytes: number;
  private readonly requestTimeoutMs: number;
  private readonly maxRetries: number;
  private readonly alignDictionaryPath: string | undefined;
  /** Which server, for support; a host never carries credentials, unlike a full URL. */
  private readonly apiHost: string;
  private readonly apiKey: string;

  constructor(options: OpenAITranscriberOptions) {
    this.model = options.model;
    this.capabilities = BACKEND_CAPABILITIES.openai({
      transcriber: "openai",
      openaiModel: options.model,
      openaiKeySet: true,
    });
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.requestTimeoutMs = options.requestTimeoutMs ?? TIMEOUTS.transcribeApiRequestMs;
    this.maxRetries = options.maxRetries ?? 2;
    this.alignDictionaryPath = options.alignDictionaryPath;
    this.apiKey = options.apiKey;
    this.apiHost = options.baseURL ? safeHost(options.baseURL) : "api.openai.com";
    this.client = new OpenAI({
      apiKey: options.apiKey,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      timeout: this.requestTimeoutMs,
      maxRetries: this.maxRetries,
    });
  }

  async transcribe(input: TranscribeInput): Promise<Transcript> {
    throwIfAborted(input.signal);
    if (this.capabilities.wordTiming === "aligned") return this.transcribeTextOnly(input);
    try {
      return await this.transcribeWithTimestamps(input);
    } catch (error) {
      if (!(error instanceof TimestampsRefused)) throw error;
      // An unknown model (or a server) without timestamps: remember it, so later jobs skip the refusal.
      this.capabilities = { ...this.capabilities, wordTiming: "aligned" };
      return this.transcribeTextOnly(input);
    }
  }

  private async transcribeWithTimestamps(input: TranscribeInput): Promise<Transcript> {
    const estimatedBytes = estimateOpusBytes(input.durationSec);
    if (estimatedBytes > this.maxUploadBytes * CHUNK_FILL) {
      return this.transcribeInChunks(input, estimatedBytes / input.durationSec);
    }
    // The common case: one request, and no silence detection.
    const whole = await this.transcribeWhole(input);
    return "transcript" in whole ? whole.transcript : this.transcribeInChunks(input, whole.bytesPerSec);
  }

  /** Sends the whole audio if its encoding fits; otherwise reports the measured rate for chunking. */
  private async transcribeWhole(input: TranscribeInput): Promise<{ transcript: Transcript } | { bytesPerSec: number }> {
    const file = path.join(input.workDir, "openai-audio.ogg");
    const range = { start: 0, end: input.durationSec };
    try {
      await encodeOpus(input, file, range);
      const bytes = (await stat(file)).size;
      if (bytes > this.maxUploadBytes) return { bytesPerSec: bytes / Math.max(input.durationSec, 0.1) };
      const stitched = new TranscriptStitcher(this.model);
      stitched.add(await this.request(input, file, 0, range), range);
      input.onProgress(1);
      return { transcript: stitched.result(input.language) };
    } finally {
      await rm(file, { force: true });
    }
  }

  /**
   * Cuts the audio into pieces that each encode under the limit, sent in order; a chunk is encoded just
   * before it is sent, so the disk holds one at a time.
   */
  private async transcribeInChunks(input: TranscribeInput, bytesPerSec: number): Promise<Transcript> {
    const stitched = new TranscriptStitcher(this.model);
    const silences = await detectSilences(input, OPENAI_BACKEND);
    let targetSec = (this.maxUploadBytes * CHUNK_FILL) / bytesPerSec;
    let start = 0;
    let index = 0;
    while (start < input.durationSec - 0.01) {
      if (targetSec < MIN_CHUNK_SEC) {
        throw new JobError("TRANSCRIPTION_FAILED", {
          retryable: false,
          detail: this.detail({
            reason: "upload-limit-too-small",
            maxUploadBytes: this.maxUploadBytes,
            chunkIndex: index,
          }),
        });
      }
      const range = { start, end: nextChunkEnd(start, input.durationSec, targetSec, silences) };
      const file = path.join(input.workDir, `openai-chunk-${index}.ogg`);
      try {
        await encodeOpus(input, file, range);
        const bytes = (await stat(file)).size;
        if (bytes > this.maxUploadBytes) {
          // Denser audio than the estimate (music, noise): shrink the target and cut this chunk again.
          targetSec = (targetSec * (this.maxUploadBytes * CHUNK_FILL)) / bytes;
          continue;
        }
        stitched.add(await this.request(input, file, index, range), range);
      } finally {
        await rm(file, { force: true });
      }
      input.onProgress(Math.min(0.99, range.end / input.durationSec));
      start = range.end;
      index++;
    }
    input.onProgress(1);
    return stitched.result(input.language);
  }

  /**
   * For models that answer text only: cut at silences into chunks of ≤ TEXT_ONLY_CHUNK_SEC, send each for
   * plain text, and time its words inside the chunk. A chunk that is all silence is not sent (text-only
   * models tend to invent a "Thank you." for silence).
   */
  private async transcribeTextOnly(input: TranscribeInput): Promise<Transcript> {
    const silences = await detectSilences(input, OPENAI_BACKEND);
    const bytesPerSec = estimateOpusBytes(input.durationSec) / Math.max(input.durationSec, 0.1);
    const targetSec = Math.min(TEXT_ONLY_CHUNK_SEC, (this.maxUploadBytes * CHUNK_FILL) / bytesPerSec);
    const words: Word[] = [];
    const alignment = { forced: 0, proportional: 0, fallbackReasons: [] as string[] };
    let language: string | null = null;
    let start = 0;
    let index = 0;
    while (start < input.durationSec - 0.01) {
      const range = { start, end: nextChunkEnd(start, input.durationSec, targetSec, silences) };
      const inside = silencesWithin(silences, range);
      const allSilent = inside.some((s) => s.start <= 0.01 && s.end >= range.end - range.start - 0.01);
      if (!allSilent) {
        const file = path.join(input.workDir, `openai-chunk-${index}.ogg`);
        const wav = path.join(input.workDir, `openai-chunk-${index}.wav`);
        try {
          await encodeOpus(input, file, range);
          const answer = await this.requestText(input, file, index, range);
          language ??= answer.language ? languageCode(answer.language) : null;
          if (answer.text.trim() !== "") {
            await cutWav(input, wav, range);
            const aligned = await this.align(input, answer.text, wav, range, inside, index);
            alignment[aligned.method]++;
            if (aligned.fallbackReason) alignment.fallbackReasons.push(`chunk ${index}: ${aligned.fallbackReason}`);
            for (const word of aligned.words) {
              words.push({ text: word.text, start: word.start + range.start, end: word.end + range.start });
            }
          }
        } finally {
          await Promise.all([rm(file, { force: true }), rm(wav, { force: true })]);
        }
      }
      input.onProgress(Math.min(0.99, range.end / input.durationSec));
      start = range.end;
      index++;
    }
    input.onProgress(1);
    return {
      backend: OPENAI_BACKEND,
      model: this.model,
      language: input.language ?? language,
      words,
      segments: sentencesOf(words),
      empty: words.length === 0,
      punctuation: "native",
      wordTiming: "aligned",
      alignment,
    };
  }

  private align(
    input: TranscribeInput,
    text: string,
    wavPath: string,
    range: TimeRange,
    silences: TimeRange[],
    index: number,
  ): Promise<AlignResult> {
    const seconds = range.end - range.start;
    return alignChunk({
      text,
      wavPath,
      durationSec: seconds,
      silences,
      grammarPath: path.join(input.workDir, `openai-chunk-${index}.gram`),
      signal: input.signal,
      ...(this.alignDictionaryPath ? { dictionaryPath: this.alignDictionaryPath } : {}),
      timeoutMs: scaledTimeout(TIMEOUTS.transcribeLocalFloorMs, TIMEOUTS.transcribeLocalPerMediaSecondMs, seconds),
    });
  }

  /** One chunk as plain `json` text (what gpt-transcribe answers); `language` when the server adds one. */
  private async requestText(
    input: TranscribeInput,
    file: string,
    chunkIndex: number,
    range: TimeRange,
  ): Promise<ApiText> {
    const response = await this.send(input, chunkIndex, range, {
      file: await toFile(await readFile(file), "audio.ogg", { type: "audio/ogg" }),
      model: this.model,
      response_format: "json",
      ...(input.language ? { language: input.language } : {}),
    });
    return this.parse(apiTextSchema, response, chunkIndex);
  }

  private async request(
    input: TranscribeInput,
    file: string,
    chunkIndex: number,
    range: TimeRange,
  ): Promise<ApiTranscript> {
    const response = await this.send(input, chunkIndex, range, {
      file: await toFile(await readFile(file), "audio.ogg", { type: "audio/ogg" }),
      model: this.model,
      response_format: "verbose_json",
      timestamp_granularities: ["word", "segment"],
      ...(input.language ? { language: input.language } : {}),
    });
    return this.parse(apiTranscriptSchema, response, chunkIndex);
  }

  private async send(
    input: TranscribeInput,
    chunkIndex: number,
    range: TimeRange,
    body: OpenAI.Audio.TranscriptionCreateParamsNonStreaming,
  ): Promise<unknown> {
    try {
      return await raceAbort(
        this.client.audio.transcriptions.create(body, {
          signal: input.signal,
          timeout: this.requestTimeoutMs,
          maxRetries: this.maxRetries,
        }),
        input.signal,
      );
    } catch (error) {
      if (input.signal.aborted) throw abortReason(input.signal);
      if (body.response_format === "verbose_json" && refusesTimestamps(error)) throw new TimestampsRefused();
      throw this.toJobError(error, { chunkIndex, chunkStartSec: range.start });
    }
  }

  private parse<T>(schema: z.ZodType<T>, response: unknown, chunkIndex: number): T {
    const parsed = schema.safeParse(response);
    if (!parsed.success) {
      throw new JobError("TRANSCRIPTION_FAILED", {
        detail: this.detail({
          reason: "unexpected-response",
          chunkIndex,
          issues: parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".")}: ${issue.message}`),
        }),
      });
    }
    return parsed.data;
  }

  /** Permanent refusals (auth, quota, bad audio) must not be retried; everything else may pass. */
  private toJobError(error: unknown, where: { chunkIndex: number; chunkStartSec: number }): JobError {
    if (error instanceof JobError) return error;
    if (error instanceof OpenAI.APIConnectionTimeoutError) {
      return new JobError("TRANSCRIPTION_FAILED", {
        detail: this.detail({ reason: "timeout", requestTimeoutMs: this.requestTimeoutMs, ...where }),
      });
    }
    if (error instanceof OpenAI.APIConnectionError) {
      return new JobError("TRANSCRIPTION_FAILED", {
        detail: this.detail({
          reason: "connection",
          errno: errnoOf(error),
          message: this.redact(error.message),
          ...where,
        }),
      });
    }
    if (error instanceof OpenAI.APIError) {
      const status = error.status;
      const apiCode = typeof error.code === "string" ? error.code : null;
      const detail = this.detail({
        reason: "http-status",
        status,
        apiCode,
        apiType: error.type ?? null,
        requestId: error.requestID ?? null,
        message: this.redact(error.message),
        ...where,
      });
      return new JobError(isPermanentRefusal(status, apiCode) ? "TRANSCRIPTION_REJECTED" : "TRANSCRIPTION_FAILED", {
        detail,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new JobError("TRANSCRIPTION_FAILED", {
      detail: this.detail({ reason: "unexpected", message: this.redact(message), ...where }),
    });
  }

  private detail(extra: ErrorDetail): ErrorDetail {
    return { backend: OPENAI_BACKEND, model: this.model, apiHost: this.apiHost, ...extra };
  }

  /** Error texts can echo the key (OpenAI prints a masked one) or a URL with userinfo: strip both. */
  private redact(text: string): string {
    let clean = text;
    if (this.apiKey) clean = clean.split(this.apiKey).join("[redacted]");
    return clean
      .replace(/\bsk-[\w*-]+/g, "[redacted]")
      .replace(/Bearer\s+\S+/gi, "Bearer [redacted]")
      .replace(/\/\/[^/\s@]+@/g, "//[redacted]@")
      .slice(0, 500);
  }
}

/** Raised inside the client when the model refuses verbose_json/timestamps; the transcriber switches to text. */
class TimestampsRefused extends Error {}

/**
 * A 400 about the response format or timestamps, as OpenAI answers for a text-only model: "response_format
 * 'verbose_json' is not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead." with
 * `param: "response_format"`; other servers name timestamp_granularities or only say it in the message.
 */
export function refusesTimestamps(error: unknown): boolean {
  if (!(error instanceof OpenAI.APIError) || (error.status !== 400 && error.status !== 422)) return false;
  const param = typeof error.param === "string" ? error.param : "";
  if (/response_format|timestamp_granularities/.test(param)) return true;
  return /verbose_json|timestamp/i.test(error.message);
}

/** 400/401/403/404/413/422 and quota exhaustion: asking again cannot help. */
export function isPermanentRefusal(status: number | undefined, apiCode: string | null): boolean {
  if (status === undefined) return false;
  if (status === 429) return apiCode === "insufficient_quota";
  // 408 (request timeout) and 409 (lock) are transient, like the SDK treats them.
  if (status === 408 || status === 409) return false;
  return status >= 400 && status < 500;
}

/** Timed words as sentence segments: a segment ends after a word ending in . ? ! (the model's punctuation). */
export function sentencesOf(words: readonly Word[]): Segment[] {
  const segments: Segment[] = [];
  let current: Word[] = [];
  const flush = () => {
    const first = current[0];
    const last = current.at(-1);
    if (first && last) {
      segments.push({ text: current.map((w) => w.text).join(" "), start: first.start, end: last.end, words: current });
    }
    current = [];
  };
  for (const word of words) {
    current.push(word);
    if (/[.!?…]["'”’)]*$/.test(word.text)) flush();
  }
  flush();
  return segments;
}

// ---------------------------------------------------------------------------------------------------
// Response shapes: OpenAI puts words at the top level; whisper.cpp's server nests them in segments;
// some servers send segments only. Unknown fields are ignored.

const apiWordSchema = z.object({ word: z.string(), start: z.number(), end: z.number() });
const apiSegmentSchema = z.object({
  text: z.string(),
  start: z.number(),
  end: z.number(),
  words: z.array(apiWordSchema).nullish(),
});
const apiTranscriptSchema = z.object({
  language: z.string().nullish(),
  words: z.array(apiWordSchema).nullish(),
  segments: z.array(apiSegmentSchema).nullish(),
});
type ApiTranscript = z.infer<typeof apiTranscriptSchema>;
/** `response_format: "json"`: gpt-transcribe and gpt-4o-*-transcribe answer `{ text }` (plus usage). */
const apiTextSchema = z.object({ text: z.string(), language: z.string().nullish() });
type ApiText = z.infer<typeof apiTextSchema>;
type ApiWord = z.infer<typeof apiWordSchema>;

/** Collects chunk results onto the input's timeline. */
export class TranscriptStitcher {
  constructor(private readonly model = "whisper-1") {}
  private readonly words: Word[] = [];
  private readonly segments: Segment[] = [];
  private language: string | null = null;

  /** `range` is where the chunk sits in the input; its times are shifted by range.start and kept inside it. */
  add(response: ApiTranscript, range: TimeRange): void {
    const shift = (word: ApiWord): Word | null => toWord(word, range);
    const topWords = (response.words ?? []).map(shift).filter((w): w is Word => w !== null);
    const segments: Segment[] = [];
    for (const raw of response.segments ?? []) {
      const text = raw.text.trim();
      if (text === "") continue;
      const times = clampRange(raw.start, raw.end, range);
      const nested = raw.words?.map(shift).filter((w): w is Word => w !== null);
      segments.push({ text, ...times, ...(nested && nested.length > 0 ? { words: nested } : {}) });
    }
    const words = topWords.length > 0 ? topWords : segments.flatMap((segment) => segment.words ?? []);
    if (topWords.length > 0) attachWords(segments, topWords);
    this.words.push(...words);
    this.segments.push(...segments);
    this.language ??= response.language ? languageCode(response.language) : null;
  }

  result(requestedLanguage: string | undefined): Transcript {
    return {
      backend: OPENAI_BACKEND,
      model: this.model,
      punctuation: "native",
      wordTiming: "native",
      // A language we asked for is what the model was told to hear; otherwise trust its detection.
      language: requestedLanguage ?? this.language,
      words: this.words,
      segments: this.segments,
      empty: this.words.length === 0 && this.segments.length === 0,
    };
  }
}

function toWord(word: ApiWord, range: TimeRange): Word | null {
  const text = word.word.trim();
  if (text === "") return null;
  return { text, ...clampRange(word.start, word.end, range) };
}

/** Whisper's times can overshoot the audio it was given; keep them inside the chunk, ordered. */
function clampRange(start: number, end: number, range: TimeRange): TimeRange {
  const s = Math.min(Math.max(range.start + start, range.start), range.end);
  const e = Math.min(Math.max(range.start + end, s), range.end);
  return { start: s, end: e };
}

/** Gives each segment the top-level words whose middle falls inside it, so every backend fills Segment.words. */
function attachWords(segments: Segment[], words: readonly Word[]): void {
  for (const segment of segments) {
    const inside = words.filter((w) => {
      const middle = (w.start + w.end) / 2;
      return middle >= segment.start && middle <= segment.end;
    });
    if (inside.length > 0) segment.words = inside;
  }
}

let languageNames: Map<string, string> | null = null;

/** Whisper reports "english"; the rest of the system speaks ISO-639-1 ("en"). Unknown names pass through. */
export function languageCode(reported: string): string {
  const value = reported.trim().toLowerCase();
  if (/^[a-z]{2}$/.test(value)) return value;
  if (!languageNames) {
    languageNames = new Map();
    const names = new Intl.DisplayNames(["en"], { type: "language" });
    for (let a = 97; a <= 122; a++) {
      for (let b = 97; b <= 122; b++) {
        const code = String.fromCharCode(a, b);
        const name = names.of(code);
        if (name && name !== code) languageNames.set(name.toLowerCase(), code);
      }
    }
  }
  return languageNames.get(value) ?? value;
}

// ---------------------------------------------------------------------------------------------------
// ffmpeg steps.

function estimateOpusBytes(durationSec: number): number {
  // Bitrate plus Ogg page overhead (~1%) and headers.
  return Math.ceil((durationSec * OPUS_BITRATE_BPS * 1.01) / 8) + 4096;
}

/**
 * Encodes `range` of the WAV to Ogg/Opus, mono 16 kHz, tuned for speech. A range reaching the end is
 * encoded to the real end of the file, in case the probed duration was a little short.
 */
async function encodeOpus(input: TranscribeInput, out: string, range: TimeRange): Promise<void> {
  const seconds = Math.max(0, range.end - range.start);
  const toEnd = range.end >= input.durationSec;
  await runFfmpeg(
    [
      ...(range.start > 0 ? ["-ss", range.start.toFixed(3)] : []),
      ...(toEnd ? [] : ["-t", seconds.toFixed(3)]),
      ...["-i", input.wavPath],
      ...["-vn", "-ac", "1", "-ar", "16000", "-c:a", "libopus", "-b:a", String(OPUS_BITRATE_BPS)],
      ...["-application", "voip", "-f", "ogg", out],
    ],
    { step: "encode", signal: input.signal, timeoutMs: audioPassTimeout(seconds) },
  );
}

/** `range` of the WAV as a WAV of its own, for alignment (same format, so pocketsphinx reads it). */
async function cutWav(input: TranscribeInput, out: string, range: TimeRange): Promise<void> {
  const seconds = Math.max(0, range.end - range.start);
  await runFfmpeg(
    [
      ...(range.start > 0 ? ["-ss", range.start.toFixed(3)] : []),
      ...(range.end >= input.durationSec ? [] : ["-t", seconds.toFixed(3)]),
      ...["-i", input.wavPath, "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", out],
    ],
    { step: "cut-chunk", signal: input.signal, timeoutMs: audioPassTimeout(seconds) },
  );
}

/** An ffmpeg pass over the audio costs about what extraction does, so it shares that limit. */
function audioPassTimeout(seconds: number): number {
  return scaledTimeout(TIMEOUTS.extractAudioFloorMs, TIMEOUTS.extractAudioPerMediaSecondMs, seconds);
}

interface FfmpegRun {
  step: string;
  signal: AbortSignal;
  timeoutMs: number;
}

/** Runs ffmpeg (SIGKILL on abort or timeout); failures carry the step and the stderr tail for support. */
async function runFfmpeg(args: string[], run: FfmpegRun): Promise<void> {
  try {
    await runSubprocess("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args], {
      timeoutMs: run.timeoutMs,
      signal: run.signal,
    });
  } catch (error) {
    if (run.signal.aborted) throw abortReason(run.signal);
    if (!(error instanceof SubprocessError)) throw error;
    throw new JobError("TRANSCRIPTION_FAILED", {
      detail: {
        backend: OPENAI_BACKEND,
        reason: error.reason === "timeout" ? "ffmpeg-timeout" : "ffmpeg-exit",
        step: run.step,
        exitCode: error.exitCode,
        ...(error.reason === "timeout" ? { timeoutMs: run.timeoutMs } : {}),
        stderrTail: error.stderrTail.slice(-1500),
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------------

/**
 * The SDK honours the signal during a request, but not while it sleeps between retries (a 429 can ask
 * for a minute): racing the signal makes cancel immediate in every state.
 */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

function errnoOf(error: Error): string | null {
  // undici: TypeError("fetch failed") caused by e.g. Error { code: "ECONNREFUSED" }.
  let cause: unknown = error.cause;
  for (let depth = 0; depth < 3 && cause instanceof Error; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
    cause = cause.cause;
  }
  return null;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "invalid-url";
  }
}
