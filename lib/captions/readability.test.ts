import { describe, expect, it } from "vitest";
import { buildCues } from "./build-cues";
import { profileRules } from "./profiles";
import { readabilityReport } from "./readability";
import type { Cue, Word } from "./types";

function words(text: string, perWordSec = 0.25): Word[] {
  return text.split(" ").map((t, i) => ({ text: t, start: i * perWordSec, end: i * perWordSec + perWordSec * 0.8 }));
}

const SPEECH =
  "The new studio opens next month, and every team will move in by the summer. Please bring your questions to the meeting on Friday, and tell your colleagues who could not come today.";

describe("readabilityReport", () => {
  it("counts each broken rule, and gives reading-speed and duration figures", () => {
    const cues: Cue[] = [
      { start: 0, end: 2, lines: ["A fine caption."] },
      { start: 2.1, end: 2.4, lines: ["Far too quick to read at all"] }, // too short and too fast
      { start: 2.3, end: 5, lines: ["x".repeat(45)] }, // overlaps, line too long
      { start: 6, end: 14, lines: ["one", "two", "three"] }, // too long, three lines
    ];
    const report = readabilityReport(cues, "netflix-en");
    expect(report.profile).toBe("netflix-en");
    expect(report.cues).toBe(4);
    expect(report.violations).toEqual({
      timing: 0,
      minDuration: 1,
      maxDuration: 1,
      lineCount: 1,
      lineLength: 1,
      emptyLine: 0,
      readingSpeed: 1,
      overlap: 1,
    });
    expect(report.compliantShare).toBe(0.25);
    expect(report.cps.max).toBeCloseTo(28 / 0.3, 1);
    expect(report.durationSec).toEqual({ min: 0.3, p50: 2, max: 8 });
    expect(report.maxLineLength).toBe(45);
  });

  it.each(["netflix-en", "bbc", "children", "social"] as const)(
    "cues built for the %s profile meet every rule of it",
    (profile) => {
      const cues = buildCues({ words: words(SPEECH) }, profileRules(profile));
      const report = readabilityReport(cues, profile);
      expect(report.compliantShare).toBe(1);
      expect(Object.values(report.violations).every((n) => n === 0)).toBe(true);
    },
  );

  it("judges the same captions differently under a stricter profile", () => {
    const cues = buildCues({ words: words(SPEECH) }, profileRules("netflix-en"));
    const children = readabilityReport(cues, "children");
    expect(children.violations.readingSpeed + children.violations.lineLength).toBeGreaterThan(0);
  });

  it("reports an empty caption list as compliant", () => {
    expect(readabilityReport([], "bbc")).toMatchObject({ cues: 0, compliantShare: 1, cps: { p50: 0, max: 0 } });
  });
});
