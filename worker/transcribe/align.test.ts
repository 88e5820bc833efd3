import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTimedSpeechWav } from "../../tests/support/make-media";
import { alignChunk, dictionaryKeys, linearGrammar, spreadOverVoiced, voicedSpans } from "./align";

// Timing words of a text-only transcript inside one chunk: forced alignment with real pocketsphinx on
// flite speech of known sentence onsets, and the proportional fallback.

const dictionary = new Map(
  ["friday", "well", "known", "don't", "i'm", "the"].map((word) => [word, ["F AH"]] as [string, string[]]),
);

describe("dictionaryKeys", () => {
  it("strips punctuation and case, splits hyphens, keeps apostrophes", () => {
    expect(dictionaryKeys("Friday,", dictionary)).toEqual(["friday"]);
    expect(dictionaryKeys("well-known", dictionary)).toEqual(["well", "known"]);
    expect(dictionaryKeys("Don’t", dictionary)).toEqual(["don't"]);
    expect(dictionaryKeys("\"I'm", dictionary)).toEqual(["i'm"]);
  });

  it("gives null for words the recogniser cannot say (names, digits, other scripts)", () => {
    expect(dictionaryKeys("Zyxwv", dictionary)).toBeNull();
    expect(dictionaryKeys("1999", dictionary)).toBeNull();
    expect(dictionaryKeys("日本", dictionary)).toBeNull();
    expect(dictionaryKeys("—", dictionary)).toBeNull();
  });
});

describe("voicedSpans / spreadOverVoiced (the proportional fallback)", () => {
  it("is the chunk minus its silences", () => {
    expect(
      voicedSpans(10, [
        { start: 0, end: 1 },
        { start: 4, end: 5 },
      ]),
    ).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 10 },
    ]);
    expect(voicedSpans(3, [{ start: 0, end: 3 }])).toEqual([{ start: 0, end: 3 }]);
  });

  it("lays words over voiced time by letters, skipping the silence, in order", () => {
    const words = spreadOverVoiced(
      ["aaa", "bbb", "ccc", "ddd"],
      [
        { start: 0, end: 2 },
        { start: 3, end: 5 },
      ],
    );
    expect(words.map((w) => w.start)).toEqual([0, 1, 3, 4]);
    for (const word of words) expect(word.end).toBeGreaterThanOrEqual(word.start);
    expect(words.every((w) => w.start < 2 || w.start >= 3)).toBe(true);
  });

  it("writes a linear JSGF grammar", () => {
    expect(linearGrammar(["good", "morning"])).toBe("#JSGF V1.0;\ngrammar chunk;\npublic <chunk> = good morning;\n");
  });
});

describe("alignChunk (real pocketsphinx, flite speech with known sentence onsets)", () => {
  const sentences = [
    "Good morning and welcome to the weekly update.",
    "Please bring your questions to the meeting on Friday.",
    "The repair shop will send them back next week.",
  ];
  let workDir: string;
  let speech: Awaited<ReturnType<typeof makeTimedSpeechWav>>;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "align-test-"));
    speech = await makeTimedSpeechWav({ sentences, pausesSec: [0.8, 0.5], leadSec: 0.4 });
  }, 120_000);
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  const silences = () => [
    { start: 0, end: speech.sentences[0]?.start ?? 0 },
    { start: speech.sentences[0]?.end ?? 0, end: speech.sentences[1]?.start ?? 0 },
    { start: speech.sentences[1]?.end ?? 0, end: speech.sentences[2]?.start ?? 0 },
  ];
  const align = (text: string, extra: { dictionaryPath?: string } = {}) =>
    alignChunk({
      text,
      wavPath: speech.path,
      durationSec: speech.durationSec,
      silences: silences(),
      grammarPath: path.join(workDir, "chunk.gram"),
      signal: new AbortController().signal,
      timeoutMs: 60_000,
      ...extra,
    });
  const firstWordOf = (words: { text: string; start: number }[], sentence: string) =>
    words.find((w) => w.text === sentence.split(" ")[0] && w.start >= 0);

  it("times every word, keeps the model's text, and puts each sentence onset within 100 ms of the truth", async () => {
    const text = sentences.join(" ");
    const result = await align(text);
    expect(result.method).toBe("forced");
    expect(result.words.map((w) => w.text).join(" ")).toBe(text);
    let previous = 0;
    for (const word of result.words) {
      expect(word.start).toBeGreaterThanOrEqual(previous);
      expect(word.end).toBeGreaterThanOrEqual(word.start);
      previous = word.start;
    }
    const starts = [0, 8, 17].map((i) => result.words[i]?.start ?? Number.NaN);
    speech.sentences.forEach((truth, i) => {
      expect(Math.abs((starts[i] ?? 0) - truth.start), `sentence ${i}`).toBeLessThan(0.1);
    });
    expect(firstWordOf(result.words, "Good")).toBeDefined();
  });

  it("places a word the dictionary lacks (a spelled slot) between its aligned neighbours", async () => {
    const text = sentences.join(" ").replace("Friday", "Zorblaxday");
    const result = await align(text);
    expect(result.method).toBe("forced");
    const odd = result.words.find((w) => w.text === "Zorblaxday.");
    const before = result.words[result.words.findIndex((w) => w.text === "Zorblaxday.") - 1];
    expect(odd && before && odd.start >= before.end).toBe(true);
    expect(Math.abs((result.words[17]?.start ?? 0) - (speech.sentences[2]?.start ?? 0))).toBeLessThan(0.1);
  });

  it("falls back to proportional timing over the voiced spans when alignment is impossible", async () => {
    const noDictionary = await align(sentences.join(" "), { dictionaryPath: "/nonexistent/dictionary" });
    expect(noDictionary).toMatchObject({ method: "proportional", fallbackReason: "no-dictionary" });
    const french = await align("Bonjour à tous et bienvenue dans la mise à jour hebdomadaire.");
    expect(french).toMatchObject({ method: "proportional", fallbackReason: "too-few-known-words" });
    // No word starts inside a silence the chunk is known to have.
    for (const word of noDictionary.words) {
      for (const silence of silences())
        expect(word.start >= silence.start + 0.01 && word.start < silence.end - 0.01).toBe(false);
    }
  });

  it("stops with the signal's reason when cancelled", async () => {
    const controller = new AbortController();
    const pending = alignChunk({
      text: sentences.join(" "),
      wavPath: speech.path,
      durationSec: speech.durationSec,
      silences: silences(),
      grammarPath: path.join(workDir, "cancel.gram"),
      signal: controller.signal,
      timeoutMs: 60_000,
    });
    controller.abort(new Error("canceled by test"));
    await expect(pending).rejects.toBeDefined();
  });
});
