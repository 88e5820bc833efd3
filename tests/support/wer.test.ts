import { describe, expect, it } from "vitest";
import { normaliseWords, spellInteger, wordErrorRate } from "./wer";

describe("wordErrorRate", () => {
  it("is 0 for the same words whatever the case and punctuation", () => {
    expect(wordErrorRate("Hello, world! It's fine.", "hello world its fine")).toBe(0);
  });

  it("counts one substitution, deletion and insertion against the reference length", () => {
    expect(wordErrorRate("the cat sat on the mat", "the bat sat on the mat")).toBeCloseTo(1 / 6);
    expect(wordErrorRate("the cat sat on the mat", "the cat sat on mat")).toBeCloseTo(1 / 6);
    expect(wordErrorRate("the cat sat on the mat", "the cat sat down on the mat")).toBeCloseTo(1 / 6);
    expect(wordErrorRate("a b c d", "x y")).toBe(1);
  });

  it("can exceed 1 when the hypothesis adds many words", () => {
    expect(wordErrorRate("yes", "yes yes yes")).toBe(2);
  });

  it("handles empty sides", () => {
    expect(wordErrorRate("", "")).toBe(0);
    expect(wordErrorRate("", "noise")).toBe(1);
    expect(wordErrorRate("some words", "")).toBe(1);
  });

  it("reads integers as words, so an API answering digits is not penalised", () => {
    expect(wordErrorRate("fifteen apples and twenty one pears", "15 apples and 21 pears")).toBe(0);
    expect(wordErrorRate("one thousand two hundred", "1,200")).toBe(0);
  });
});

describe("normaliseWords", () => {
  it("splits hyphens and keeps letters outside ASCII", () => {
    expect(normaliseWords("A well-known café — really?")).toEqual(["a", "well", "known", "café", "really"]);
  });
});

describe("spellInteger", () => {
  it("spells the usual shapes", () => {
    expect(spellInteger(0)).toEqual(["zero"]);
    expect(spellInteger(40)).toEqual(["forty"]);
    expect(spellInteger(99)).toEqual(["ninety", "nine"]);
    expect(spellInteger(305)).toEqual(["three", "hundred", "five"]);
    expect(spellInteger(12_019)).toEqual(["twelve", "thousand", "nineteen"]);
    expect(spellInteger(2_000_000)).toEqual(["2000000"]);
  });
});
