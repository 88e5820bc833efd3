import { describe, expect, it } from "vitest";
import { buildCues } from "./build-cues";
import { checkCue, checkCueSequence, checkReadingSpeed } from "./check-cues";
import { PREFERRED_CUE_GAP_SEC } from "./cue-timing";
import { type Cue, type CueRules, DEFAULT_CUE_RULES, type Word } from "./types";

// Cue times are whole milliseconds held in floats.
const MS = 1e-6;

/** Words of `text` spoken at an even pace from `start`: `wordSec` each, `gapSec` between. */
function evenWords(text: string, start = 0, wordSec = 0.3, gapSec = 0.1): Word[] {
  return text.split(" ").map((word, i) => {
    const wordStart = round3(start + i * (wordSec + gapSec));
    return { text: word, start: wordStart, end: round3(wordStart + wordSec) };
  });
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// Deterministic pseudo-random numbers (mulberry32), so a failing seed can be replayed.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY = (
  "we the a to of and it is that for you was on with as they be at this have from or one had by word but not " +
  "what all were when your can said there use each which she do how their if will up other about out many then " +
  "them these so some her would make like him into time has look two more write go see number no way could " +
  "people my than first water been call who its now find long down day did get come made may part over new " +
  "sound take only little work know place year live me back give most very after thing our just name good " +
  "sentence man think say great where help through much before line right too mean old any same tell boy " +
  "follow came want show also around form three small set put end does another well large must big even such " +
  "because turn here why ask went men read need land different home us move try kind hand picture again " +
  "change off play spell air away animal house point page letter mother answer found study still learn " +
  "should world extraordinary international"
).split(" ");

/**
 * About `seconds` of speech at ~2.5 words/s: sentences of 5–18 words, occasional commas and hesitations,
 * short pauses after sentences and now and then a 2–3.5 s silence.
 */
function realisticSpeech(seed: number, seconds = 60): Word[] {
  const next = random(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const words: Word[] = [];
  let time = 0.3;
  let sentenceLeft = 0;
  let longSilences = 0;
  while (time < seconds) {
    let text = pick(VOCABULARY);
    if (sentenceLeft === 0) {
      sentenceLeft = 5 + Math.floor(next() * 14);
      text = text[0]?.toUpperCase() + text.slice(1);
    }
    sentenceLeft--;
    const duration = 0.1 + text.length * 0.03;
    let pause = 0.03 + next() * 0.08;
    if (sentenceLeft === 0) {
      text += next() < 0.8 ? "." : "?";
      // Roughly one long silence every 20 s, whatever the seed.
      const longSilence = next() < 0.15 || time > 20 * (longSilences + 1);
      if (longSilence) longSilences++;
      pause = longSilence ? 2 + next() * 1.5 : 0.25 + next() * 0.5;
    } else if (next() < 0.08) {
      text += ",";
      pause = 0.15 + next() * 0.3;
    } else if (next() < 0.03) {
      pause = 0.6 + next() * 0.6;
    }
    words.push({ text, start: round3(time), end: round3(time + duration) });
    time += duration + pause;
  }
  return words;
}

function cueWords(cue: Cue): string[] {
  return cue.lines.join(" ").split(" ");
}

/** For each cue, the input words it shows (cues hold whole words, in order). */
function wordsPerCue(cues: Cue[], words: Word[]): Word[][] {
  let next = 0;
  return cues.map((cue) => {
    const count = cueWords(cue).length;
    const shown = words.slice(next, next + count);
    next += count;
    return shown;
  });
}

function text(cue: Cue | undefined): string {
  return cue?.lines.join(" ") ?? "";
}

describe("buildCues on realistic speech", () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];

  it.each(seeds)("seed %i: every cue obeys the line and time rules", (seed) => {
    const cues = buildCues({ words: realisticSpeech(seed) });
    expect(cues.length).toBeGreaterThan(8);
    for (const cue of cues) expect({ cue, problems: checkCue(cue) }).toEqual({ cue, problems: [] });
  });

  it.each(seeds)("seed %i: cues are in order, never overlap and keep the preferred gap", (seed) => {
    const cues = buildCues({ words: realisticSpeech(seed) });
    expect(checkCueSequence(cues)).toEqual([]);
    for (let i = 1; i < cues.length; i++) {
      const gap = (cues[i]?.start ?? 0) - (cues[i - 1]?.end ?? 0);
      expect(gap).toBeGreaterThanOrEqual(PREFERRED_CUE_GAP_SEC - MS);
    }
  });

  it.each(seeds)("seed %i: shows every word exactly once, in order", (seed) => {
    const words = realisticSpeech(seed);
    const cues = buildCues({ words });
    expect(cues.flatMap(cueWords)).toEqual(words.map((word) => word.text));
  });

  it.each(seeds)("seed %i: each cue appears when its first word is spoken", (seed) => {
    const words = realisticSpeech(seed);
    const cues = buildCues({ words });
    wordsPerCue(cues, words).forEach((shown, i) => {
      expect(cues[i]?.start).toBeCloseTo(shown[0]?.start ?? Number.NaN, 6);
      expect(cues[i]?.end).toBeGreaterThanOrEqual((shown.at(-1)?.end ?? 0) - PREFERRED_CUE_GAP_SEC - MS);
    });
  });

  it.each(seeds)("seed %i: speech at 2.5 words/s stays within the reading speed", (seed) => {
    const cues = buildCues({ words: realisticSpeech(seed) });
    expect(cues.flatMap((cue) => checkReadingSpeed(cue))).toEqual([]);
  });

  it.each(seeds)("seed %i: no cue holds words across a silence longer than maxGapSec", (seed) => {
    const words = realisticSpeech(seed);
    const longSilences = words.filter((word, i) => i > 0 && word.start - (words[i - 1]?.end ?? 0) > 1.5);
    expect(longSilences.length).toBeGreaterThan(0);
    for (const shown of wordsPerCue(buildCues({ words }), words)) {
      shown.slice(1).forEach((word, i) => {
        expect(word.start - (shown[i]?.end ?? 0)).toBeLessThanOrEqual(DEFAULT_CUE_RULES.maxGapSec);
      });
    }
  });

  it("captions an hour of speech quickly", () => {
    const words = realisticSpeech(42, 3600);
    const started = performance.now();
    const cues = buildCues({ words });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(cues.flatMap(cueWords)).toHaveLength(words.length);
    expect(cues.flatMap((cue) => checkCue(cue))).toEqual([]);
  });
});

describe("buildCues over many streams", () => {
  const streams = Array.from({ length: 30 }, (_, i) => realisticSpeech(100 + i));
  const allCues = streams.map((words) => buildCues({ words }));

  it("avoids lines of a single word", () => {
    const lonely = allCues
      .flat()
      .filter((cue) => cue.lines.length > 1 && cue.lines.some((line) => !line.includes(" ")));
    expect(lonely).toEqual([]);
  });

  it("rarely opens a cue with the last word of a sentence begun in the cue before", () => {
    const endsSentence = (word: string) => /[.?!]$/.test(word);
    const orphans = allCues.flatMap((cues) =>
      cues.filter((cue, i) => {
        const [first, ...rest] = cueWords(cue);
        const previous = cues[i - 1];
        return (
          previous && rest.length > 0 && endsSentence(first ?? "") && !endsSentence(cueWords(previous).at(-1) ?? "")
        );
      }),
    );
    // Sometimes unavoidable (a sentence too long for one cue ending in a short word), so allow 1 in 200.
    expect(orphans.length).toBeLessThanOrEqual(allCues.flat().length / 200);
  });
});

describe("buildCues break points", () => {
  it("breaks at a sentence end rather than filling the cue mid-clause", () => {
    const words = evenWords(
      "The committee met on Tuesday to discuss the budget. " +
        "After a long debate they finally agreed to fund the new library and the park.",
    );
    const cues = buildCues({ words });
    expect(cues.map(text)).toEqual([
      "The committee met on Tuesday to discuss the budget.",
      "After a long debate they finally agreed to fund the new library and the park.",
    ]);
  });

  it("breaks at a comma rather than mid-phrase", () => {
    const words = evenWords(
      "When the rain finally stopped after three long days, " +
        "the children ran outside to play in the puddles near the old barn",
    );
    const cues = buildCues({ words });
    expect(cues).toHaveLength(2);
    expect(text(cues[0])).toBe("When the rain finally stopped after three long days,");
  });

  it("breaks at a pause when there is no punctuation", () => {
    const first = evenWords("so we took the long road over the hills past the farm", 0);
    const second = evenWords("and then the old bridge into the town where we stayed the night", 5.4);
    const cues = buildCues({ words: [...first, ...second] });
    expect(cues.map(text)).toEqual([first, second].map((part) => part.map((word) => word.text).join(" ")));
  });

  it("starts the next cue with a conjunction instead of ending a cue with it", () => {
    // Everything up to and including "and" just fits two lines (42 + 41 characters), so a greedy filler
    // would end the first cue on "and".
    const upToAnd = "Our neighbours planted roses tulips lilies daisies in the front garden last June and";
    expect(buildCues({ words: evenWords(upToAnd) }).map((cue) => cue.lines)).toEqual([
      ["Our neighbours planted roses tulips lilies", "daisies in the front garden last June and"],
    ]);
    const cues = buildCues({ words: evenWords(`${upToAnd} the whole street came to look at them`) });
    expect(cues).toHaveLength(2);
    expect(text(cues[0]).endsWith("last June")).toBe(true);
    expect(text(cues[1]).startsWith("and the whole street")).toBe(true);
  });

  it("starts the second line with a conjunction instead of ending the first with it", () => {
    const cues = buildCues({
      words: evenWords("I went down to the market this morning and bought some fresh bread"),
    });
    expect(cues.map((cue) => cue.lines)).toEqual([
      ["I went down to the market this morning", "and bought some fresh bread"],
    ]);
  });

  it.each([
    "I picked up the groceries from the store on the corner of the street and then I drove all the way home to cook dinner for my family",
    "She said that the train to the city would leave at noon but that nobody on the platform believed a word of it",
    "We stayed because the weather was warm and the food in the little cafe by the harbour was the best in the whole town",
  ])("never ends a line or cue on a conjunction, preposition or article: %s", (sentence) => {
    const dangling = new Set([
      "and",
      "but",
      "or",
      "so",
      "because",
      "that",
      "which",
      "to",
      "of",
      "in",
      "the",
      "a",
      "by",
    ]);
    const cues = buildCues({ words: evenWords(sentence) });
    const lineEnds = cues.flatMap((cue) => cue.lines.map((line) => line.split(" ").at(-1) ?? ""));
    expect(lineEnds.filter((word) => dangling.has(word))).toEqual([]);
    expect(cues.flatMap(cueWords).join(" ")).toBe(sentence);
  });

  it("prefers balanced or bottom-heavy lines without a lone word", () => {
    const cues = buildCues({
      words: evenWords("The weather today is going to be sunny with light winds from the west"),
    });
    expect(cues).toHaveLength(1);
    const [top = "", bottom = ""] = cues[0]?.lines ?? [];
    expect(top.split(" ").length).toBeGreaterThan(1);
    expect(bottom.split(" ").length).toBeGreaterThan(1);
    expect(top.length).toBeLessThanOrEqual(bottom.length + 8);
  });

  it("moves a lone word onto a longer line when another split exists", () => {
    const rules = { ...DEFAULT_CUE_RULES, maxCharsPerLine: 24 };
    const cues = buildCues({ words: evenWords("Yes, we will be there by noon") }, rules);
    expect(cues.map((cue) => cue.lines)).toEqual([["Yes, we will be there", "by noon"]]);
  });

  it("keeps a cue on one line when it fits", () => {
    const cues = buildCues({ words: evenWords("This fits on a single line.") });
    expect(cues.map((cue) => cue.lines)).toEqual([["This fits on a single line."]]);
  });
});

describe("buildCues silences", () => {
  it.each<{ gapSec: number; rules: CueRules }>([
    { gapSec: 3, rules: DEFAULT_CUE_RULES },
    { gapSec: 1.6, rules: DEFAULT_CUE_RULES },
    { gapSec: 0.7, rules: { ...DEFAULT_CUE_RULES, maxGapSec: 0.5 } },
  ])("never joins words across a $gapSec s silence (maxGapSec $rules.maxGapSec)", ({ gapSec, rules }) => {
    const before = evenWords("Hello there my friend", 1);
    const after = evenWords("how are you today", round3((before.at(-1)?.end ?? 0) + gapSec));
    const cues = buildCues({ words: [...before, ...after] }, rules);
    expect(cues.map(text)).toEqual(["Hello there my friend", "how are you today"]);
    expect(cues[0]?.end).toBeLessThanOrEqual(after[0]?.start ?? 0);
  });

  it("joins the same words across a short pause", () => {
    const before = evenWords("Hello there my friend", 1);
    const after = evenWords("how are you today", round3((before.at(-1)?.end ?? 0) + 0.4));
    expect(buildCues({ words: [...before, ...after] }).map(text)).toEqual(["Hello there my friend how are you today"]);
  });
});

describe("buildCues timing", () => {
  it("holds a short cue for the minimum duration, no longer", () => {
    const [cue] = buildCues({ words: [{ text: "Hi.", start: 1, end: 1.2 }] });
    expect(cue?.start).toBe(1);
    expect((cue?.end ?? 0) - (cue?.start ?? 0)).toBeGreaterThanOrEqual(DEFAULT_CUE_RULES.minDurationSec);
    expect(cue?.end).toBeCloseTo(1.834, 6);
  });

  it("lingers into following silence until the text can be read at 20 chars/s", () => {
    const sentence = "Forty characters of text said in a rush."; // 40 characters: 2 s of reading
    expect(sentence).toHaveLength(40);
    const cues = buildCues({ words: evenWords(sentence, 2, 0.1, 0.025) });
    expect(cues).toHaveLength(1);
    expect(cues[0]?.end).toBeCloseTo(4, 6);
    expect(checkReadingSpeed(cues[0] as Cue)).toEqual([]);
  });

  it("holds a cue for the minimum duration even when the next word comes sooner: the next cue waits", () => {
    const rules = { ...DEFAULT_CUE_RULES, maxGapSec: 0.3 };
    const cues = buildCues(
      {
        words: [
          { text: "Hi.", start: 1, end: 1.2 },
          { text: "Bye.", start: 1.7, end: 1.9 },
        ],
      },
      rules,
    );
    expect(cues.map(text)).toEqual(["Hi.", "Bye."]);
    expect(cues[0]?.end).toBeCloseTo(1.834, 6);
    expect(cues[1]?.start).toBeCloseTo(1.834 + PREFERRED_CUE_GAP_SEC, 6);
    expect(cues.flatMap((cue) => checkCue(cue, rules))).toEqual([]);
  });

  it("closes a short gap between cues down to the preferred gap", () => {
    const first = evenWords("The first sentence is long enough to need a cue of its own here.", 0);
    const second = evenWords(
      "And the second sentence also needs a full cue of its very own.",
      round3((first.at(-1)?.end ?? 0) + 0.3),
    );
    const cues = buildCues({ words: [...first, ...second] });
    expect(cues).toHaveLength(2);
    expect((cues[1]?.start ?? 0) - (cues[0]?.end ?? 0)).toBeCloseTo(PREFERRED_CUE_GAP_SEC, 6);
  });

  it("keeps cues of slow speech within the maximum duration", () => {
    const slow = evenWords(
      "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
      0,
      0.4,
      0.6,
    );
    const cues = buildCues({ words: slow });
    expect(cues.length).toBeGreaterThan(1);
    expect(cues.flatMap((cue) => checkCue(cue))).toEqual([]);
  });

  it("keeps cues in order when recogniser timings overlap or run backwards", () => {
    const words: Word[] = [
      { text: "These", start: 1, end: 1.5 },
      { text: "timings", start: 1.2, end: 1.4 },
      { text: "are", start: 1.1, end: 1.0 },
      { text: "a", start: Number.NaN, end: 1.6 },
      { text: "mess.", start: 1.7, end: 1.9 },
      { text: "Still", start: 3.6, end: 3.5 },
      { text: "readable.", start: 3.7, end: 4 },
    ];
    const cues = buildCues({ words }, { ...DEFAULT_CUE_RULES, maxGapSec: 0.5 });
    expect(cues.flatMap(cueWords)).toEqual(words.map((word) => word.text));
    expect(checkCueSequence(cues)).toEqual([]);
    for (const cue of cues) expect(cue.end).toBeGreaterThan(cue.start);
  });
});

describe("buildCues rules and odd words", () => {
  it("keeps a 60-character word, alone on its line", () => {
    const long = "x".repeat(60);
    const words = evenWords(`Look at this ${long} okay then`);
    const cues = buildCues({ words });
    expect(cues.flatMap(cueWords)).toEqual(words.map((word) => word.text));
    const lines = cues.flatMap((cue) => cue.lines);
    expect(lines).toContain(long);
    expect(lines.filter((line) => line !== long).every((line) => line.length <= 42)).toBe(true);
    for (const cue of cues) expect(cue.lines.length).toBeLessThanOrEqual(2);
  });

  it("follows custom line rules", () => {
    const rules = { ...DEFAULT_CUE_RULES, maxCharsPerLine: 20, maxLines: 1 };
    const words = realisticSpeech(11);
    const cues = buildCues({ words }, rules);
    expect(cues.flatMap((cue) => checkCue(cue, rules))).toEqual([]);
    expect(cues.flatMap(cueWords)).toEqual(words.map((word) => word.text));
  });

  it.each<Partial<CueRules>>([
    { maxCharsPerLine: 0 },
    { maxLines: 1.5 },
    { maxCharsPerSecond: 0 },
    { minDurationSec: 8 },
    { maxGapSec: Number.NaN },
  ])("refuses unusable rules %j", (broken) => {
    expect(() => buildCues({ words: evenWords("hello") }, { ...DEFAULT_CUE_RULES, ...broken })).toThrow(RangeError);
  });

  it("trims words and drops empty ones", () => {
    const cues = buildCues({
      words: [
        { text: " Hello ", start: 0, end: 0.3 },
        { text: "", start: 0.3, end: 0.4 },
        { text: "   ", start: 0.4, end: 0.5 },
        { text: "\tworld.\n", start: 0.5, end: 0.8 },
      ],
    });
    expect(cues.map((cue) => cue.lines)).toEqual([["Hello world."]]);
  });

  it.each([
    ["nothing", {}],
    ["no words", { words: [] }],
    ["no segments", { segments: [] }],
    ["blank words", { words: [{ text: "  ", start: 0, end: 1 }] }],
    ["blank segments", { segments: [{ text: " \n ", start: 0, end: 1 }] }],
  ])("returns no cues for %s", (_name, input) => {
    expect(buildCues(input)).toEqual([]);
  });
});

describe("buildCues from segments", () => {
  it("spreads segment text over the segment's time span", () => {
    const segments = [
      { text: " Hello world, this is a test.", start: 1, end: 3 },
      { text: "The second segment speaks here.", start: 6, end: 8 },
    ];
    const cues = buildCues({ segments });
    expect(cues.map(text)).toEqual(["Hello world, this is a test.", "The second segment speaks here."]);
    expect(cues[0]?.start).toBe(1);
    expect(cues[0]?.end).toBeLessThanOrEqual(6);
    expect(cues[1]?.start).toBe(6);
    expect(cues[1]?.end).toBeGreaterThanOrEqual(8 - PREFERRED_CUE_GAP_SEC);
    expect(cues[1]?.end).toBeLessThanOrEqual(6 + DEFAULT_CUE_RULES.maxDurationSec);
  });

  it("gives each word a share of the span proportional to its length", () => {
    const sentence =
      "When the rain finally stopped after three long days, the children ran outside to play in the puddles near the old barn";
    const cues = buildCues({ segments: [{ text: sentence, start: 10, end: 22 }] });
    expect(cues).toHaveLength(2);
    const before = text(cues[0]).replace(/ /g, "").length;
    const total = sentence.replace(/ /g, "").length;
    expect(cues[0]?.start).toBe(10);
    expect(cues[1]?.start).toBeCloseTo(10 + (12 * before) / total, 3);
    for (const cue of cues) expect(checkCue(cue)).toEqual([]);
  });

  it("takes punctuation for a segment's own words from its text", () => {
    const cues = buildCues({
      segments: [
        {
          text: "Well, okay then.",
          start: 0,
          end: 2,
          words: [
            { text: "well", start: 0.1, end: 0.4 },
            { text: "okay", start: 0.6, end: 0.9 },
            { text: "then", start: 1, end: 1.3 },
          ],
        },
      ],
    });
    expect(cues.map(text)).toEqual(["Well, okay then."]);
  });

  it("uses a segment's own word timings when it has them", () => {
    const cues = buildCues({
      segments: [
        {
          text: "ignored text",
          start: 0,
          end: 10,
          words: [
            { text: "Real", start: 2.2, end: 2.5 },
            { text: "words.", start: 2.6, end: 3 },
          ],
        },
      ],
    });
    expect(cues.map(text)).toEqual(["Real words."]);
    expect(cues[0]?.start).toBe(2.2);
  });

  it("prefers top-level word timings and takes punctuation from the segment text", () => {
    const cues = buildCues({
      words: [
        { text: "hello", start: 0.5, end: 0.8 },
        { text: "world", start: 0.9, end: 1.2 },
        { text: "again", start: 1.3, end: 1.6 },
      ],
      segments: [{ text: "Hello, world... ", start: 0, end: 9 }],
    });
    expect(cues.map((cue) => cue.lines)).toEqual([["Hello, world... again"]]);
    expect(cues[0]?.start).toBe(0.5);
  });
});
