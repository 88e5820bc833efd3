import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkCue, checkCueSequence, checkReadingSpeed } from "./check-cues";
import { fitCuesToDuration, PREFERRED_CUE_GAP_SEC } from "./cue-timing";
import { CAPTION_PROFILES } from "./profiles";
import { type Cue, DEFAULT_CUE_RULES } from "./types";

const RULES = DEFAULT_CUE_RULES;
const cue = (start: number, end: number, text = "words"): Cue => ({ start, end, lines: [text] });

describe("fitCuesToDuration", () => {
  it("leaves cues that end inside the media as they are", () => {
    const cues = [cue(0.29, 2.63), cue(4.66, 5.1)];
    expect(fitCuesToDuration(cues, 5.137, RULES)).toEqual({ cues, kept: [0, 1] });
  });

  it("ends a last cue the minimum duration carried past the end with the media, still up for the minimum", () => {
    // What pocketsphinx and the builder gave for a clip whose last word, "Goodbye.", ends at its very end.
    const fitted = fitCuesToDuration([cue(0.29, 2.63), cue(4.66, 5.494, "Goodbye.")], 5.137, RULES);
    expect(fitted.cues).toEqual([cue(0.29, 2.63), cue(4.303, 5.137, "Goodbye.")]);
    expect(fitted.cues.flatMap((c) => checkCue(c))).toEqual([]);
  });

  it("keeps the reading time of a long last cue (and of the one before) by starting them earlier", () => {
    // Like the two-track MKV of tests/worker/pipeline-inputs.test.ts, BBC profile (17 chars/s): the last
    // cue's reading time (65 chars: 3.824 s) carried it 61 ms past the end of the 7.141 s clip.
    const bbc = CAPTION_PROFILES.bbc;
    const first = { start: 0.18, end: 3.298, lines: ["Good morning and welcome", "to the weekly update the new"] };
    const last = {
      start: 3.378,
      end: 7.202,
      lines: ["study opens next month and every", "team will move in by the summer."],
    };
    const fitted = fitCuesToDuration([first, last], 7.141, bbc).cues;
    expect(fitted).toEqual([
      { ...first, start: 0.119, end: 3.237 },
      { ...last, start: 3.317, end: 7.141 },
    ]);
    expect(fitted.flatMap((c) => [...checkCue(c, bbc), ...checkReadingSpeed(c, bbc)])).toEqual([]);
    expect(checkCueSequence(fitted)).toEqual([]);
  });

  it("only clamps the end of a long cue that still has its reading time on screen before the end", () => {
    expect(fitCuesToDuration([cue(3, 7)], 5.137, RULES).cues).toEqual([cue(3, 5.137)]);
  });

  it("pulls a cue that would start after the end back before it; the one before gives up time, keeping the gap", () => {
    // Fast speech up to the end pushed the last cue past it: its words were said, so it is shown, not dropped.
    const fitted = fitCuesToDuration([cue(1, 3, "a"), cue(3.08, 4.2, "b"), cue(5.3, 6.2, "c")], 5, RULES);
    expect(fitted.cues).toEqual([cue(1, 3, "a"), cue(3.08, 4.086, "b"), cue(4.166, 5, "c")]);
    expect(fitted.cues[2]?.start).toBeCloseTo((fitted.cues[1]?.end ?? 0) + PREFERRED_CUE_GAP_SEC, 6);
    expect(checkCueSequence(fitted.cues)).toEqual([]);
  });

  it("drops only what cannot fit at all in media shorter than its captions' minimum times", () => {
    const fitted = fitCuesToDuration([cue(0, 0.9, "a"), cue(0.98, 1.9, "b"), cue(2, 3, "c")], 1, RULES);
    expect(fitted).toEqual({ cues: [cue(0, 0.086, "b"), cue(0.166, 1, "c")], kept: [1, 2] });
  });

  it("never shows anything after the end, never overlaps, and keeps the order of what it keeps", () => {
    const cueList = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 7000 })), { maxLength: 12 })
      .map((steps) => {
        let at = 0;
        return steps.map(([gap, length], i) => {
          const start = at + gap;
          at = start + length;
          return cue(start / 1000, at / 1000, `cue ${i}`);
        });
      });
    fc.assert(
      fc.property(cueList, fc.integer({ min: 1, max: 60_000 }), (cues, durationMs) => {
        const durationSec = durationMs / 1000;
        const { cues: fitted, kept } = fitCuesToDuration(cues, durationSec, RULES);
        expect(checkCueSequence(fitted)).toEqual([]);
        for (const c of fitted) {
          expect(c.start).toBeGreaterThanOrEqual(0);
          expect(c.end).toBeLessThanOrEqual(durationSec);
          expect(c.end).toBeGreaterThan(c.start);
        }
        expect(kept).toEqual([...kept].sort((a, b) => a - b));
        expect(fitted.map((c) => c.lines)).toEqual(kept.map((i) => cues[i]?.lines));
        // Cues already inside the media are untouched when nothing after them had to move.
        if ((cues.at(-1)?.end ?? 0) <= durationSec) expect(fitted).toEqual(cues);
      }),
    );
  });
});
