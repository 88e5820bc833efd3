import { describe, expect, it } from "vitest";
import { asrShare } from "./parallelism";

describe("asrShare", () => {
  it("gives one job every core and shares them evenly among jobs running at once, never below one", () => {
    expect(asrShare(2, 1)).toBe(2);
    expect(asrShare(2, 2)).toBe(1);
    expect(asrShare(2, 4)).toBe(1);
    expect(asrShare(8, 3)).toBe(2);
    expect(asrShare(8, 0)).toBe(8);
  });
});
