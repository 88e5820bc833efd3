import { describe, expect, it } from "vitest";
import { audioWindow, planCuts, segmentBounds } from "./plan-segments";

describe("planCuts", () => {
  const everyTwoSeconds = Array.from({ length: 300 }, (_, i) => i * 2);

  it.each([
    { name: "10 min in 2 min parts", duration: 600, target: 120, cuts: [120, 240, 360, 480] },
    { name: "equal parts rather than a short tail", duration: 500, target: 120, cuts: [124, 250, 374] },
    { name: "shorter than one part: no cut", duration: 100, target: 120, cuts: [] },
  ])("$name", ({ duration, target, cuts }) => {
    expect(planCuts(everyTwoSeconds, duration, target)).toEqual(cuts);
  });

  it("moves each cut to the nearest keyframe", () => {
    // Targets 6 and 12 s: 7.9 is nearer 6 than 3.2 is; 10.4 nearer 12 than 14.1.
    expect(planCuts([0, 3.2, 7.9, 10.4, 14.1], 18, 6)).toEqual([7.9, 10.4]);
  });

  it("never cuts twice at one keyframe or makes a sliver", () => {
    // Keyframes only every 10 s of a 30 s video asked in 3 s parts: one cut per keyframe, none at 0 or the end.
    expect(planCuts([0, 10, 20, 30], 30, 3)).toEqual([10, 20]);
    expect(planCuts([0, 0.5, 29.5], 30, 10)).toEqual([]);
  });
});

describe("segmentBounds and audioWindow", () => {
  it("prefers the measured lengths of the cut files", () => {
    expect(segmentBounds([6], 12)).toEqual([
      { index: 0, startSec: 0, endSec: 6 },
      { index: 1, startSec: 6, endSec: 12 },
    ]);
    expect(segmentBounds([6], 12, [6.04, 5.96]).map((s) => s.startSec)).toEqual([0, 6.04]);
  });

  it("adds the overlap inside the input only", () => {
    expect(audioWindow({ index: 0, startSec: 0, endSec: 6 }, 12, 2)).toEqual({ startSec: 0, endSec: 8 });
    expect(audioWindow({ index: 1, startSec: 6, endSec: 12 }, 12, 2)).toEqual({ startSec: 4, endSec: 12 });
  });
});
