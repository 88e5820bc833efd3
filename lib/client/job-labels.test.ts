import { describe, expect, it } from "vitest";
import { queuePlaceLabel } from "./job-labels";

describe("queuePlaceLabel", () => {
  it.each([
    [1, null, "Next in line"],
    [2, 30, "2nd in line · starts in less than a minute"],
    [3, 75, "3rd in line · starts in about 1 minute"],
    [11, 400, "11th in line · starts in about 7 minutes"],
    [22, null, "22nd in line"],
  ])("position %i, %s s → %s", (position, estimatedStartSec, label) => {
    expect(queuePlaceLabel({ position, estimatedStartSec })).toBe(label);
  });
});
