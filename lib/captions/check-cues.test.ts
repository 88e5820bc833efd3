import { describe, expect, it } from "vitest";
import { checkCue, checkCueSequence, checkReadingSpeed, cueCharCount, cueCps } from "./check-cues";
import { type Cue, DEFAULT_CUE_RULES } from "./types";

const good: Cue = { start: 10, end: 13, lines: ["A cue that obeys", "every rule."] };

describe("checkCue", () => {
  it("finds nothing wrong with a good cue", () => {
    expect(checkCue(good)).toEqual([]);
  });

  it.each<[string, Cue, RegExp]>([
    ["a line over 42 characters", { ...good, lines: ["x".repeat(43)] }, /line 1 has 43 characters, more than 42/],
    ["more than 2 lines", { ...good, lines: ["one", "two", "three"] }, /has 3 lines, more than 2/],
    ["no lines", { ...good, lines: [] }, /has no lines/],
    ["an empty line", { ...good, lines: ["fine", " "] }, /line 2 is empty/],
    ["too short on screen", { ...good, end: 10.8 }, /on screen 0.800 s, less than the minimum 0.833 s/],
    ["too long on screen", { ...good, end: 17.5 }, /on screen 7.500 s, more than the maximum 7.000 s/],
    ["an end before the start", { ...good, end: 9 }, /not after its start/],
    ["a negative start", { ...good, start: -1 }, /starts before 0/],
    ["a time that is not a number", { ...good, end: Number.NaN }, /finite/],
  ])("reports %s", (_name, cue, problem) => {
    const problems = checkCue(cue);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it("accepts exactly 42 characters, the minimum and the maximum duration", () => {
    expect(checkCue({ start: 1, end: 1 + 5 / 6, lines: ["x".repeat(42)] })).toEqual([]);
    expect(checkCue({ start: 0.1, end: 7.1, lines: ["x"] })).toEqual([]);
  });

  it("counts what the viewer sees, not UTF-16 units", () => {
    const accented = "e\u0301".repeat(42); // 42 × "é" written as e + combining accent
    expect(checkCue({ ...good, lines: [accented] })).toEqual([]);
    expect(cueCharCount({ ...good, lines: [accented, "ab"] })).toBe(45);
  });

  it("follows the rules it is given", () => {
    expect(checkCue(good, { ...DEFAULT_CUE_RULES, maxLines: 1, maxCharsPerLine: 12 })).toEqual([
      "has 2 lines, more than 1",
      "line 1 has 16 characters, more than 12",
    ]);
  });

  it("leaves reading speed to checkReadingSpeed", () => {
    const fast: Cue = { start: 0, end: 1, lines: ["Thirty characters in a second"] };
    expect(checkCue(fast)).toEqual([]);
    expect(checkReadingSpeed(fast)).toEqual(["reading speed 29.0 chars/s is above 20"]);
  });
});

describe("checkReadingSpeed", () => {
  it.each([
    [20, 1, []],
    [20, 0.99, ["reading speed 20.2 chars/s is above 20"]],
    [40, 2.5, []],
  ])("%i characters over %f s → %j", (chars, seconds, expected) => {
    // A line break counts as the space it replaces.
    const half = Math.floor((chars - 1) / 2);
    const cue = { start: 5, end: 5 + seconds, lines: ["a".repeat(half), "b".repeat(chars - 1 - half)] };
    expect(cueCharCount(cue)).toBe(chars);
    expect(checkReadingSpeed(cue)).toEqual(expected);
  });

  it("rates a cue with no duration as infinitely fast", () => {
    expect(cueCps({ start: 1, end: 1, lines: ["hi"] })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("checkCueSequence", () => {
  it("accepts touching cues and reports overlapping ones", () => {
    const cues: Cue[] = [
      { start: 0, end: 1, lines: ["a"] },
      { start: 1, end: 2, lines: ["b"] },
      { start: 1.5, end: 3, lines: ["c"] },
    ];
    expect(checkCueSequence(cues)).toEqual(["cue 3 starts at 1.500 s, before cue 2 ends at 2.000 s"]);
  });
});
