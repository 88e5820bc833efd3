import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Word } from "../../lib/captions/types";
import { JobError } from "../../lib/error-codes";
import { type MediaFile, makeSpeechWav } from "../../tests/support/make-media";
import {
  type OpenAICompatibleServer,
  type OpenAICompatibleServerOptions,
  startOpenAICompatibleServer,
} from "../../tests/support/openai-compatible-server";
import { wordErrorRate } from "../../tests/support/wer";
import { createTranscriber } from "./index";
import {
  isPermanentRefusal,
  languageCode,
  OpenAITranscriber,
  type OpenAITranscriberOptions,
  refusesTimestamps,
  sentencesOf,
  TranscriptStitcher,
} from "./openai";
import { nextChunkEnd, parseSilenceLine, silencesWithin } from "./silences";
import type { TranscribeInput } from "./types";

// ~16 s of flite speech in five sentences (pauses between them give the chunker places to cut).
const LONG_SCRIPT =
  "Good morning everyone. Today we will talk about the weather in the mountains. " +
  "The rain started early in the morning and did not stop until the evening. " +
  "Many people stayed inside their homes and read books by the fire. " +
  "Tomorrow the sun should return and the children will play outside again.";
const SHORT_SCRIPT = "The weather is nice today and we are going to the park with our friends.";
const API_KEY = `sk-test-${randomBytes(12).toString("hex")}`;

describe("OpenAITranscriber against a local OpenAI-compatible server (real pocketsphinx recognition behind it)", () => {
  let workDir: string;
  let longSpeech: MediaFile;
  let shortSpeech: MediaFile;
  const servers: OpenAICompatibleServer[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "openai-transcriber-test-"));
    [longSpeech, shortSpeech] = await Promise.all([
      makeSpeechWav({ script: LONG_SCRIPT }),
      makeSpeechWav({ script: SHORT_SCRIPT }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(workDir, { recursive: true, force: true });
  });

  async function serve(options: Partial<OpenAICompatibleServerOptions> = {}): Promise<OpenAICompatibleServer> {
    const server = await startOpenAICompatibleServer({ apiKey: API_KEY, ...options });
    servers.push(server);
    return server;
  }
  const transcriber = (server: OpenAICompatibleServer, options: Partial<OpenAITranscriberOptions> = {}) =>
    new OpenAITranscriber({ apiKey: API_KEY, baseURL: server.baseURL, model: "whisper-1", maxRetries: 0, ...options });
  const input = (media: MediaFile, extra: Partial<TranscribeInput> = {}): TranscribeInput => ({
    wavPath: media.path,
    durationSec: media.durationSec,
    workDir,
    signal: new AbortController().signal,
    onProgress: () => {},
    ...extra,
  });

  it("transcribes ~15 s of speech through the real SDK in one request with ≤ 15% WER", async () => {
    const server = await serve();
    const progress: number[] = [];
    const transcript = await transcriber(server).transcribe(input(longSpeech, { onProgress: (f) => progress.push(f) }));
    const hypothesis = transcript.words.map((w) => w.text).join(" ");
    const wer = wordErrorRate(LONG_SCRIPT, hypothesis);
    console.info(
      `openai (single request): WER ${(wer * 100).toFixed(1)}%, upload ${server.requests[0]?.fileBytes} B for ${longSpeech.durationSec.toFixed(2)} s`,
    );

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      status: 200,
      model: "whisper-1",
      responseFormat: "verbose_json",
      fileName: "audio.ogg",
      language: null,
    });
    expect([...(server.requests[0]?.granularities ?? [])].sort()).toEqual(["segment", "word"]);
    // Ogg/Opus at 24 kbit/s: ~3 KB per second of audio instead of the WAV's 32 KB.
    expect(server.requests[0]?.fileBytes).toBeLessThan(longSpeech.durationSec * 3_300 + 4_096);
    expect(transcript).toMatchObject({ backend: "openai", language: "en", empty: false });
    expect(wer).toBeLessThanOrEqual(0.15);
    expectOrderedWithin(transcript.words, 0, longSpeech.durationSec);
    expect(transcript.segments.length).toBeGreaterThan(0);
    expect(transcript.segments.flatMap((s) => s.words ?? [])).toEqual(transcript.words);
    expect(progress).toEqual([1]);
    // Temp audio is cleaned up; the job's workDir belongs to the worker.
    expect((await readdir(workDir)).filter((f) => f.startsWith("openai-"))).toEqual([]);
  });

  it("splits audio above maxUploadBytes at silences, sends chunks in order and stitches one timeline", async () => {
    const server = await serve();
    const maxUploadBytes = 20_000;
    const progress: number[] = [];
    const transcript = await transcriber(server, { maxUploadBytes }).transcribe(
      input(longSpeech, { onProgress: (f) => progress.push(f) }),
    );
    const hypothesis = transcript.words.map((w) => w.text).join(" ");
    const wer = wordErrorRate(LONG_SCRIPT, hypothesis);
    console.info(
      `openai (chunked, ${server.requests.length} chunks of ${server.requests.map((r) => r.fileBytes).join("/")} B): WER ${(wer * 100).toFixed(1)}%: "${hypothesis}"`,
    );

    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of server.requests) {
      expect(request.status).toBe(200);
      expect(request.fileBytes).toBeLessThanOrEqual(maxUploadBytes);
    }
    expect(wer).toBeLessThanOrEqual(0.2);
    expectOrderedWithin(transcript.words, 0, longSpeech.durationSec);
    // Words from the first and the last chunk land at the start and the end of the input's timeline.
    expect(transcript.words[0]?.start).toBeLessThan(1);
    expect(transcript.words.at(-1)?.end).toBeGreaterThan(longSpeech.durationSec - 1.5);
    // One report per chunk, then the final 1.
    expect(progress.length).toBe(server.requests.length + 1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(progress.at(-1)).toBe(1);
  });

  it("keeps segments and leaves words empty when the server gives segments only", async () => {
    const server = await serve({ mode: "segments-only" });
    const transcript = await transcriber(server).transcribe(input(shortSpeech));
    expect(transcript.words).toEqual([]);
    expect(transcript.empty).toBe(false);
    expect(transcript.segments.length).toBeGreaterThan(0);
    for (const segment of transcript.segments) {
      expect(segment.words).toBeUndefined();
      expect(segment.text).toBe(segment.text.trim());
    }
    expect(wordErrorRate(SHORT_SCRIPT, transcript.segments.map((s) => s.text).join(" "))).toBeLessThanOrEqual(0.15);
  });

  it("reads words nested in segments (whisper.cpp server) and passes the requested language on", async () => {
    const server = await serve({ mode: "nested-words" });
    const transcript = await transcriber(server).transcribe(input(shortSpeech, { language: "en" }));
    expect(server.requests[0]?.language).toBe("en");
    expect(transcript.language).toBe("en");
    expect(wordErrorRate(SHORT_SCRIPT, transcript.words.map((w) => w.text).join(" "))).toBeLessThanOrEqual(0.15);
    expect(transcript.words.every((w) => w.text === w.text.trim() && w.text !== "")).toBe(true);
    expect(transcript.segments.flatMap((s) => s.words ?? [])).toEqual(transcript.words);
  });

  it("rejects permanently on a wrong API key, without the key in the detail", async () => {
    const server = await serve();
    const wrongKey = "sk-wrong-0123456789abcdef";
    const error = await new OpenAITranscriber({ apiKey: wrongKey, baseURL: server.baseURL, model: "whisper-1" })
      .transcribe(input(shortSpeech))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect(error).toMatchObject({
      code: "TRANSCRIPTION_REJECTED",
      retryable: false,
      detail: { backend: "openai", status: 401, apiCode: "invalid_api_key", chunkIndex: 0 },
    });
    const visible = JSON.stringify({ detail: (error as JobError).detail, message: (error as JobError).message });
    expect(visible).not.toContain(wrongKey);
    expect(visible).not.toMatch(/sk-|cdef/);
    // 401 is not retried by the SDK.
    expect(server.requests).toHaveLength(1);
  });

  it("a known text-only model (gpt-transcribe) goes straight to json chunks, keeps the text's casing and punctuation, and times it", async () => {
    const server = await serve({ mode: "text-only", script: LONG_SCRIPT });
    const recogniser = transcriber(server, { model: "gpt-transcribe" });
    expect(recogniser.capabilities.wordTiming).toBe("aligned");
    const transcript = await recogniser.transcribe(input(longSpeech));
    expect(server.requests.every((r) => r.responseFormat === "json" && r.status === 200)).toBe(true);
    expect(transcript).toMatchObject({ model: "gpt-transcribe", wordTiming: "aligned", punctuation: "native" });
    const text = transcript.words.map((w) => w.text).join(" ");
    expect(wordErrorRate(LONG_SCRIPT, text)).toBeLessThanOrEqual(0.05);
    expect(text).toContain("Good morning everyone.");
    expect(transcript.segments[0]?.text).toBe("Good morning everyone.");
    let previous = 0;
    for (const word of transcript.words) {
      expect(word.start).toBeGreaterThanOrEqual(previous);
      expect(word.end).toBeLessThanOrEqual(longSpeech.durationSec + 0.01);
      previous = word.start;
    }
  });

  it("an unknown model that answers 400 to verbose_json is switched to text for this and later jobs", async () => {
    const server = await serve({ mode: "text-only", script: SHORT_SCRIPT });
    const recogniser = transcriber(server, { model: "some-text-model" });
    expect(recogniser.capabilities.wordTiming).toBe("native");
    const transcript = await recogniser.transcribe(input(shortSpeech));
    expect(transcript.wordTiming).toBe("aligned");
    expect(server.requests.map((r) => [r.responseFormat, r.status])).toEqual([
      ["verbose_json", 400],
      ["json", 200],
    ]);
    expect(recogniser.capabilities.wordTiming).toBe("aligned");
    server.setScript(SHORT_SCRIPT);
    await recogniser.transcribe(input(shortSpeech));
    expect(server.requests.at(-1)?.responseFormat).toBe("json");
    expect(server.requests).toHaveLength(3);
  });

  it("fails retryably on a 500 when no retries are left", async () => {
    const server = await serve({ failFirst: 1 });
    const error = await transcriber(server, { maxRetries: 0 })
      .transcribe(input(shortSpeech))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "TRANSCRIPTION_FAILED",
      retryable: true,
      detail: { status: 500, chunkIndex: 0 },
    });
    expect(server.requests).toHaveLength(1);
  });

  it("succeeds when the SDK's retry gets past a 500", async () => {
    const server = await serve({ failFirst: 1 });
    const transcript = await transcriber(server, { maxRetries: 1 }).transcribe(input(shortSpeech));
    expect(server.requests.map((r) => r.status)).toEqual([500, 200]);
    expect(transcript.words.length).toBeGreaterThan(5);
  });

  it("treats exhausted quota as permanent and a plain rate limit as retryable", async () => {
    const quota = await serve({ failFirst: 1, failStatus: 429, failCode: "insufficient_quota" });
    await expect(transcriber(quota).transcribe(input(shortSpeech))).rejects.toMatchObject({
      code: "TRANSCRIPTION_REJECTED",
      detail: { status: 429, apiCode: "insufficient_quota" },
    });
    const limited = await serve({ failFirst: 1, failStatus: 429 });
    await expect(transcriber(limited).transcribe(input(shortSpeech))).rejects.toMatchObject({
      code: "TRANSCRIPTION_FAILED",
      detail: { status: 429 },
    });
  });

  it("fails retryably when nothing listens, naming the host but no credentials", async () => {
    const port = await closedPort();
    const error = await new OpenAITranscriber({
      apiKey: API_KEY,
      baseURL: `http://user:secret@127.0.0.1:${port}/v1`,
      model: "whisper-1",
      maxRetries: 0,
    })
      .transcribe(input(shortSpeech))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "TRANSCRIPTION_FAILED",
      detail: { reason: "connection", apiHost: `127.0.0.1:${port}` },
    });
    expect(JSON.stringify((error as JobError).detail)).not.toMatch(/secret|sk-test/);
  });

  it("fails retryably when a request outlives requestTimeoutMs", async () => {
    const server = await serve();
    const started = performance.now();
    const error = await transcriber(server, { requestTimeoutMs: 150 })
      .transcribe(input(longSpeech))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TRANSCRIPTION_FAILED", detail: { reason: "timeout", requestTimeoutMs: 150 } });
    // Bound loosely: the point is that it gives up instead of waiting for the whole answer, and a shared
    // 2-core machine can take seconds just to cut the audio before the request starts.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("stops promptly when the signal aborts mid-request", async () => {
    const server = await serve();
    const controller = new AbortController();
    const reason = new Error("canceled by an administrator");
    const pending = transcriber(server).transcribe(input(longSpeech, { signal: controller.signal }));
    // Wait until the upload has reached the server, so the abort hits an open request.
    await waitFor(() => server.requests.length > 0);
    const abortedAt = performance.now();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(300);
  });
});

describe("createTranscriber", () => {
  it("uses the API when a key is set, pocketsphinx otherwise, and refuses openai without a key", () => {
    // No Whisper model there, whatever this machine has downloaded into the default directory.
    const base = { openaiModel: "whisper-1", whisperModelPath: "/nonexistent/whisper-models" };
    expect(createTranscriber({ ...base, transcriber: "auto", openaiApiKey: "sk-x" }).name).toBe("openai");
    expect(createTranscriber({ ...base, transcriber: "auto" }).name).toBe("pocketsphinx");
    expect(createTranscriber({ ...base, transcriber: "pocketsphinx", openaiApiKey: "sk-x" }).name).toBe("pocketsphinx");
    expect(
      createTranscriber({
        ...base,
        transcriber: "openai",
        openaiApiKey: "sk-x",
        openaiBaseUrl: "http://127.0.0.1:1/v1",
      }).name,
    ).toBe("openai");
    expect(() => createTranscriber({ ...base, transcriber: "openai" })).toThrow(/API key/);
  });
});

describe("chunk planning and stitching", () => {
  const silences = [
    { start: 2.0, end: 2.4 },
    { start: 5.5, end: 6.1 },
    { start: 9.0, end: 9.6 },
  ];

  it("cuts at the latest silence inside the budget", () => {
    expect(nextChunkEnd(0, 20, 7, silences)).toBeCloseTo(5.8);
    expect(nextChunkEnd(5.8, 20, 5, silences)).toBeCloseTo(9.3);
  });

  it("cuts hard at the budget when the second half of the window has no silence", () => {
    expect(nextChunkEnd(9.3, 30, 7, silences)).toBeCloseTo(16.3);
    // A silence in the first half would make a uselessly short chunk.
    expect(nextChunkEnd(0, 30, 10, [{ start: 1, end: 1.4 }])).toBe(10);
  });

  it("ends at the duration when the rest fits", () => {
    expect(nextChunkEnd(14, 20, 7, silences)).toBe(20);
  });

  it("parses ffmpeg's silencedetect lines", () => {
    expect(parseSilenceLine("[silencedetect @ 0x55d0] silence_start: 1.234")).toEqual({ kind: "start", time: 1.234 });
    expect(parseSilenceLine("[silencedetect @ 0x55d0] silence_end: 2.5 | silence_duration: 1.266")).toEqual({
      kind: "end",
      time: 2.5,
    });
    expect(parseSilenceLine("[silencedetect @ 0x55d0] silence_start: -0.0105")).toEqual({ kind: "start", time: 0 });
    expect(parseSilenceLine("size=N/A time=00:00:16.62 bitrate=N/A speed= 702x")).toBeNull();
  });

  it("classifies API statuses", () => {
    for (const status of [400, 401, 403, 404, 413, 422]) expect(isPermanentRefusal(status, null)).toBe(true);
    expect(isPermanentRefusal(429, "insufficient_quota")).toBe(true);
    for (const status of [408, 409, 429, 500, 502, 503]) expect(isPermanentRefusal(status, null)).toBe(false);
    expect(isPermanentRefusal(undefined, null)).toBe(false);
  });

  it("knows a refusal of timestamps from other 400s", () => {
    const refusal = (status: number, param: string | null, message: string) =>
      OpenAI.APIError.generate(
        status,
        { message, type: "invalid_request_error", param, code: null },
        message,
        new Headers(),
      );
    expect(refusesTimestamps(refusal(400, "response_format", "response_format 'verbose_json' is not compatible"))).toBe(
      true,
    );
    expect(refusesTimestamps(refusal(400, null, "timestamp_granularities are not supported for this model"))).toBe(
      true,
    );
    expect(refusesTimestamps(refusal(400, "file", "Invalid file format."))).toBe(false);
    expect(refusesTimestamps(refusal(401, "response_format", "verbose_json"))).toBe(false);
    expect(refusesTimestamps(new Error("verbose_json"))).toBe(false);
  });

  it("cuts a text-only transcript into sentences at the model's own full stops", () => {
    const w = (text: string, start: number): Word => ({ text, start, end: start + 0.2 });
    const segments = sentencesOf([
      w("Hello", 0),
      w("there.", 0.3),
      w("How", 1),
      w("are", 1.3),
      w("you?", 1.5),
      w("Fine", 3),
    ]);
    expect(segments.map((s) => [s.text, s.start])).toEqual([
      ["Hello there.", 0],
      ["How are you?", 1],
      ["Fine", 3],
    ]);
    expect(
      silencesWithin(
        [
          { start: 1, end: 3 },
          { start: 9, end: 12 },
        ],
        { start: 2, end: 10 },
      ),
    ).toEqual([
      { start: 0, end: 1 },
      { start: 7, end: 8 },
    ]);
  });

  it("maps whisper's language names to ISO-639-1", () => {
    expect(languageCode("english")).toBe("en");
    expect(languageCode("German")).toBe("de");
    expect(languageCode("haitian creole")).toBe("ht");
    expect(languageCode("en")).toBe("en");
    expect(languageCode("klingon")).toBe("klingon");
  });

  it("shifts chunk times onto the input's timeline, clamped to the chunk, and spreads top-level words into segments", () => {
    const stitcher = new TranscriptStitcher();
    stitcher.add(
      {
        language: "english",
        words: [
          { word: " Hello", start: 0.2, end: 0.6 },
          { word: "world", start: 0.7, end: 1.1 },
        ],
        segments: [{ text: " Hello world", start: 0, end: 1.2 }],
      },
      { start: 0, end: 5 },
    );
    stitcher.add(
      {
        language: "english",
        words: [
          { word: "again", start: 0.5, end: 0.9 },
          { word: "overshoot", start: 2.8, end: 3.6 },
          { word: " ", start: 3, end: 3.1 },
        ],
        segments: [
          { text: " again overshoot", start: 0.4, end: 3.7 },
          { text: "  ", start: 3.7, end: 3.8 },
        ],
      },
      { start: 5, end: 8 },
    );
    const result = stitcher.result(undefined);
    expect(result.language).toBe("en");
    expect(result.words).toEqual([
      { text: "Hello", start: 0.2, end: 0.6 },
      { text: "world", start: 0.7, end: 1.1 },
      { text: "again", start: 5.5, end: 5.9 },
      { text: "overshoot", start: 7.8, end: 8 },
    ]);
    expect(result.segments.map((s) => [s.text, s.start, s.end, s.words?.length])).toEqual([
      ["Hello world", 0, 1.2, 2],
      ["again overshoot", 5.4, 8, 2],
    ]);
  });

  it("is empty when nothing was said", () => {
    const stitcher = new TranscriptStitcher();
    stitcher.add({ language: "english", words: [], segments: [] }, { start: 0, end: 3 });
    expect(stitcher.result("fr")).toMatchObject({ empty: true, language: "fr", words: [], segments: [] });
  });
});

function expectOrderedWithin(words: readonly Word[], from: number, to: number): void {
  let previousEnd = from;
  for (const word of words) {
    expect(word.start).toBeGreaterThanOrEqual(previousEnd - 1e-6);
    expect(word.end).toBeGreaterThanOrEqual(word.start);
    previousEnd = word.end;
  }
  expect(previousEnd).toBeLessThanOrEqual(to + 1e-6);
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
