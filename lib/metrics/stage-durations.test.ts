import { expect, test } from "vitest";
import { toCumulativeSeries } from "./stage-durations";

test("per-bucket counts become a cumulative series; the last bucket counts only toward +Inf", () => {
  const series = toCumulativeSeries(
    [
      { bucket: 0, count: 2, sumSec: 0.05 },
      { bucket: 2, count: 1, sumSec: 0.3 },
      { bucket: 3, count: 4, sumSec: 100 },
    ],
    3,
  );
  expect(series).toEqual({ cumulative: [2, 2, 3], count: 7, sum: 100.35 });
});

test("no rows: zero everywhere", () => {
  expect(toCumulativeSeries([], 2)).toEqual({ cumulative: [0, 0], count: 0, sum: 0 });
});
