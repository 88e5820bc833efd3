import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCues } from "./build-cues";
import { checkCue, checkCueSequence, checkReadingSpeed } from "./check-cues";
import { CAPTION_PROFILES } from "./profiles";
import { type CueRules, DEFAULT_CUE_RULES, type Word } from "./types";

// Property tests: whatever timings a recogniser hands over — realistic, zero-length, collapsed onto one
// instant, running backwards, missing — every cue meets the minimum duration, the maximum duration, the
// reading speed and the line rules, cues never overlap, and every word is shown once, in order.

const VOCABULARY = ["the", "a", "studio", "opens", "next", "month", "and", "every", "team", "will", "move"];

/** One word's text: a common word or random letters (1–15), sometimes with punctuation. */
const wordText = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...VOCABULARY),
      fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"), minLength: 1, maxLength: 15 }),
    ),
    fc.constantFrom("", "", "", ",", ".", "?"),
  )
  .map(([text, punctuation]) => text + punctuation);

/** How a word's timing relates to the previous word's: the ways recognisers actually go wrong. */
const timingStep = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("normal" as const),
      gap: fc.double({ min: 0, max: 0.4, noNaN: true }),
      length: fc.double({ min: 0.05, max: 0.7, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("zero-length" as const),
      gap: fc.double({ min: 0, max: 0.2, noNaN: true }),
      length: fc.constant(0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("collapsed" as const), gap: fc.constant(0), length: fc.constant(0) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("backwards" as const),
      gap: fc.double({ min: -1, max: 0, noNaN: true }),
      length: fc.double({ min: -0.2, max: 0.3, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("pause" as const),
      gap: fc.double({ min: 0.5, max: 4, noNaN: true }),
      length: fc.double({ min: 0.1, max: 0.5, noNaN: true }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("missing" as const), gap: fc.constant(0), length: fc.constant(0) }),
  },
);

type Step = { kind: string; gap: number; length: number };

function timedWords(texts: string[], steps: Step[], startAt = 0): Word[] {
  let previousStart = startAt;
  let previousEnd = startAt;
  return texts.map((text, i) => {
    const step = steps[i % steps.length] ?? { kind: "normal", gap: 0.1, length: 0.3 };
    if (step.kind === "missing") return { text, start: Number.NaN, end: Number.NaN };
    const start = step.kind === "collapsed" ? previousStart : previousEnd + step.gap;
    const word = { text, start, end: start + step.length };
    previousStart = word.start;
    previousEnd = Math.max(word.end, previousEnd);
    return word;
  });
}

/** Rule sets a captioning profile might use; each keeps a full cue readable within its maximum duration. */
const rulesArbitrary: fc.Arbitrary<CueRules> = fc.oneof(
  fc.constantFrom(...Object.values(CAPTION_PROFILES)),
  fc.record({
    maxCharsPerLine: fc.integer({ min: 16, max: 42 }),
    maxLines: fc.integer({ min: 1, max: 3 }),
    minDurationSec: fc.double({ min: 0.5, max: 1.5, noNaN: true }),
    maxDurationSec: fc.double({ min: 5, max: 8, noNaN: true }),
    maxCharsPerSecond: fc.double({ min: 10, max: 25, noNaN: true }),
    maxGapSec: fc.double({ min: 0.3, max: 2, noNaN: true }),
  }),
);

function assertEveryRule(words: Word[], rules: CueRules): void {
  const cues = buildCues({ words }, rules);
  for (const cue of cues) {
    const problems = [...checkCue(cue, rules), ...checkReadingSpeed(cue, rules)];
    if (problems.length > 0) throw new Error(`${JSON.stringify(cue)}: ${problems.join("; ")}`);
  }
  expect(checkCueSequence(cues)).toEqual([]);
  expect(cues.flatMap((cue) => cue.lines.join(" ").split(" "))).toEqual(words.map((w) => w.text));
}

describe("buildCues, every cue meets the rules whatever the timings", () => {
  it("random words, random timing faults, random rule sets", () => {
    fc.assert(
      fc.property(
        fc.array(wordText, { minLength: 1, maxLength: 250 }),
        fc.array(timingStep, { minLength: 1, maxLength: 250 }),
        rulesArbitrary,
        fc.double({ min: 0, max: 30, noNaN: true }),
        (texts, steps, rules, startAt) => assertEveryRule(timedWords(texts, steps, startAt), rules),
      ),
      { numRuns: 300 },
    );
  });

  it("10 minutes of continuous speech with collapsed and zero-length stretches", () => {
    fc.assert(
      fc.property(
        fc.array(timingStep, { minLength: 20, maxLength: 60 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        rulesArbitrary,
        (steps, seed, rules) => {
          // ~1,600 words (≈ 10 min at 160 words/min): the step pattern repeats through it.
          const texts = Array.from({ length: 1600 }, (_, i) => VOCABULARY[(seed + i * 7) % VOCABULARY.length] ?? "x");
          const words = timedWords(texts, steps);
          assertEveryRule(words, rules);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("10 minutes whose recogniser collapsed every timing onto three instants (the reported 1 ms cues)", () => {
    const texts = Array.from({ length: 1600 }, (_, i) => VOCABULARY[i % VOCABULARY.length] ?? "x");
    const words = texts.map((text, i) => {
      const at = [0, 200, 400][Math.floor((i * 3) / texts.length)] ?? 0;
      return { text, start: at, end: at };
    });
    assertEveryRule(words, DEFAULT_CUE_RULES);
  });
});
