import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobError } from "../../lib/error-codes";
import { makeSpeechWav } from "../../tests/support/make-media";
import { testWhisperModel } from "../../tests/support/test-whisper-model";
import { chooseTranscriber } from "./index";
import type { TranscribeInput } from "./types";
import {
  findWhisperModel,
  parseChildLine,
  readWhisperModelInfo,
  WHISPER_LANGUAGES,
  WhisperTranscriber,
  whisperCapabilities,
  wordsFromTokens,
} from "./whisper";

// The whisper backend through the real native binding, in its real child process, on real flite speech,
// with a GENERATED random-weight model (no machine here can download Whisper weights): loading, decoding,
// word timing, progress and cancel are real; the words are gibberish, so nothing here measures accuracy.

const SCRIPT = "Good morning everyone. Today we test the captioning service with a tiny generated model.";
const LONG_SCRIPT = Array.from(
  { length: 8 },
  (_, i) => `Paragraph ${i + 1}. The weather is nice today and we are going to the park with our friends after lunch.`,
).join(" ");

let workDir: string;
let englishModel: string;
let multilingualModel: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "whisper-test-"));
  [englishModel, multilingualModel] = await Promise.all([testWhisperModel(), testWhisperModel({ multilingual: true })]);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function inputFor(wavPath: string, durationSec: number, extra: Partial<TranscribeInput> = {}): TranscribeInput {
  return {
    wavPath,
    durationSec,
    workDir,
    signal: new AbortController().signal,
    onProgress: () => {},
    ...extra,
  };
}

function transcriberFor(modelPath: string, timeoutMs?: number): WhisperTranscriber {
  return new WhisperTranscriber({
    model: readWhisperModelInfo(modelPath),
    threads: 2,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

describe("whisper backend with the generated test model (real binding, real audio; no accuracy claim)", () => {
  it("loads, decodes flite speech, and gives words with ordered timestamps inside the audio", async () => {
    const speech = await makeSpeechWav({ script: SCRIPT });
    const progress: number[] = [];
    const transcript = await transcriberFor(englishModel).transcribe(
      inputFor(speech.path, speech.durationSec, { onProgress: (f) => progress.push(f) }),
    );

    expect(transcript).toMatchObject({ backend: "whisper", language: "en", empty: false });
    expect(transcript.words.length).toBeGreaterThan(3);
    let previousStart = 0;
    for (const word of transcript.words) {
      expect(word.text.trim()).toBe(word.text);
      expect(word.text).not.toBe("");
      expect(word.start).toBeGreaterThanOrEqual(previousStart);
      expect(word.end).toBeGreaterThanOrEqual(word.start);
      expect(word.end).toBeLessThanOrEqual(speech.durationSec);
      previousStart = word.start;
    }
    // Every word lands in exactly one segment, in order.
    expect(transcript.segments.flatMap((s) => s.words ?? [])).toEqual(transcript.words);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("cancel kills the run within 1 s, mid-decode, and leaves no process behind", async () => {
    const speech = await makeSpeechWav({ script: LONG_SCRIPT });
    expect(speech.durationSec).toBeGreaterThan(30); // two 30 s windows: the first one's progress arrives mid-run
    const controller = new AbortController();
    const reason = new Error("canceled by the test");
    let abortedAt = 0;
    const pending = transcriberFor(englishModel).transcribe(
      inputFor(speech.path, speech.durationSec, {
        signal: controller.signal,
        onProgress: (fraction) => {
          if (abortedAt === 0 && fraction < 1) {
            abortedAt = performance.now();
            controller.abort(reason);
          }
        },
      }),
    );
    // SIGKILL is sent synchronously inside abort(); what follows (the exit reaching this process) waits on
    // this event loop, which a machine shared with other test runs can starve for seconds. Measure that
    // starvation alongside, so the bound is on the cancel path, not on the machine's load.
    const lag = eventLoopLag();
    await expect(pending).rejects.toBe(reason);
    const tookMs = performance.now() - abortedAt;
    const lagMs = lag.stop();
    expect(abortedAt).toBeGreaterThan(0);
    console.log(
      `whisper cancel: rejected ${tookMs.toFixed(0)} ms after abort (worst event-loop lag ${lagMs.toFixed(0)} ms)`,
    );
    expect(tookMs - lagMs).toBeLessThan(1000);
    // The child carries the WAV path in its argv; after the rejection nothing with it is running.
    expect(runningWith(speech.path)).toEqual([]);
  });

  it("an English-only model refuses another language at once; a multilingual one detects and translates", async () => {
    const speech = await makeSpeechWav({ script: SCRIPT });
    await expect(
      transcriberFor(englishModel).transcribe(inputFor(speech.path, speech.durationSec, { language: "de" })),
    ).rejects.toMatchObject({ code: "LANGUAGE_UNSUPPORTED" });

    const multilingual = transcriberFor(multilingualModel);
    expect(multilingual.capabilities).toMatchObject({ detectsLanguage: true, translation: true });
    const detected = await multilingual.transcribe(inputFor(speech.path, speech.durationSec));
    // A random model detects a random language: only that detection ran and gave one of Whisper's codes.
    expect(WHISPER_LANGUAGES).toContain(detected.language);
    const translated = await multilingual.transcribe(inputFor(speech.path, speech.durationSec, { translate: true }));
    expect(translated.language).toBe("en");
  });

  it("a truncated model file fails the job permanently with TRANSCRIPTION_FAILED, naming the load", async () => {
    const speech = await makeSpeechWav({ script: SCRIPT });
    const truncated = path.join(workDir, "ggml-truncated.bin");
    await copyFile(englishModel, truncated);
    const handle = await open(truncated, "r+");
    await handle.truncate(2_000_000); // header intact, tensors cut off: what an interrupted copy leaves
    await handle.close();

    const error = await transcriberFor(truncated)
      .transcribe(inputFor(speech.path, speech.durationSec))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect(error).toMatchObject({
      code: "TRANSCRIPTION_FAILED",
      retryable: false,
      detail: { backend: "whisper", reason: "load-failed" },
    });
    expect((error as JobError).publicMessage).toMatch(/model could not be loaded/);
  });
});

describe("choosing the backend at start", () => {
  const base = { openaiModel: "whisper-1" };

  it("auto: API key → openai; else a model present → whisper; else pocketsphinx — each with its reason", async () => {
    const models = path.join(workDir, "models");
    await mkdir(models, { recursive: true });
    expect(chooseTranscriber({ ...base, transcriber: "auto", whisperModelPath: models })).toMatchObject({
      transcriber: { name: "pocketsphinx" },
      reason: expect.stringContaining("no Whisper model"),
    });
    await copyFile(englishModel, path.join(models, "ggml-test.en.bin"));
    const chosen = chooseTranscriber({ ...base, transcriber: "auto", whisperModelPath: models });
    expect(chosen.transcriber.name).toBe("whisper");
    expect(chosen.reason).toContain("ggml-test.en.bin");
    expect(chosen.reason).toContain("English only");
    expect(
      chooseTranscriber({ ...base, transcriber: "auto", openaiApiKey: "sk-x", whisperModelPath: models }).transcriber
        .name,
    ).toBe("openai");
  });

  it("whisper with a missing or foreign model file is a start error that says what to do", async () => {
    const missing = path.join(workDir, "nowhere", "ggml-base.en.bin");
    expect(() => chooseTranscriber({ ...base, transcriber: "whisper", whisperModelPath: missing })).toThrow(
      /TRANSCRIBER=whisper needs a model: none found at .*nowhere.*model:download/,
    );
    const foreign = path.join(workDir, "ggml-foreign.bin");
    await writeFile(foreign, "<html>404 Not Found</html> and then some more bytes to pass the header size");
    expect(() => chooseTranscriber({ ...base, transcriber: "whisper", whisperModelPath: foreign })).toThrow(
      /not a ggml Whisper model/,
    );
  });

  it("reads the model's kind from its header and picks the largest of several in a directory", async () => {
    expect(readWhisperModelInfo(englishModel)).toMatchObject({ multilingual: false, size: "custom" });
    expect(readWhisperModelInfo(multilingualModel)).toMatchObject({ multilingual: true });
    expect(whisperCapabilities(readWhisperModelInfo(englishModel))).toEqual({
      languages: ["en"],
      detectsLanguage: false,
      wordTimestamps: true,
      translatesToEnglish: false,
    });
    const dir = path.join(workDir, "several");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "ggml-small.bin"), Buffer.alloc(2000));
    await writeFile(path.join(dir, "ggml-tiny.bin"), Buffer.alloc(1000));
    await writeFile(path.join(dir, "ggml-large.bin.part"), Buffer.alloc(5000));
    expect(findWhisperModel(dir)).toBe(path.join(dir, "ggml-small.bin"));
  });
});

describe("parseChildLine", () => {
  it("reads protocol lines and ignores everything else the native code may print, even a cut-off line", () => {
    expect(parseChildLine('@@whisper {"type":"progress","percent":50}')).toEqual({ type: "progress", percent: 50 });
    expect(parseChildLine("whisper_full_with_state: progress = 50%")).toBeNull();
    expect(parseChildLine('@@whisper {"type":"prog')).toBeNull();
    expect(parseChildLine("@@whisper null")).toBeNull();
  });
});

describe("wordsFromTokens", () => {
  const t = (text: string, t0: number, t1: number) => ({ text, t0, t1 });

  it("joins word pieces and punctuation onto the word they continue", () => {
    expect(
      wordsFromTokens(
        [t(" Hel", 0, 200), t("lo", 200, 400), t(",", 400, 450), t(" world", 500, 900), t(".", 900, 950)],
        5,
      ),
    ).toEqual([
      { text: "Hello,", start: 0, end: 0.45 },
      { text: "world.", start: 0.5, end: 0.95 },
    ]);
  });

  it("keeps times inside the audio and in order, and drops whisper's blank-audio marker", () => {
    expect(
      wordsFromTokens(
        [
          t(" one", 1000, 1500),
          t(" two", 800, 900),
          t(" [", 2000, 2000),
          t("BLANK_AUDIO]", 2000, 2000),
          t(" far", 9000, 12000),
        ],
        6,
      ),
    ).toEqual([
      { text: "one", start: 1, end: 1.5 },
      { text: "two", start: 1, end: 1 },
      { text: "far", start: 6, end: 6 },
    ]);
  });
});

/** Worst lateness of a 20 ms timer from now until stop(): how long this process's event loop was starved. */
function eventLoopLag(): { stop: () => number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 20);
    last = now;
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last - 20, 0);
    },
  };
}

/** Processes whose command line mentions `needle` (the test's unique WAV path). */
function runningWith(needle: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", needle], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
