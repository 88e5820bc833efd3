import { describe, expect, it } from "vitest";
import { formatDateTime, formatDuration, humanize } from "./formatting";

describe("console formatting", () => {
  it.each([
    [null, "—"],
    [850, "850 ms"],
    [4_230, "4.2 s"],
    [42_000, "42 s"],
    [192_000, "3 min 12 s"],
    [3_900_000, "1 h 05 min"],
  ])("formatDuration(%s) → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("writes times in UTC to the second", () => {
    expect(formatDateTime(new Date("2026-11-28T11:49:16.837Z"))).toBe("2026-11-28 11:49:16 UTC");
    expect(formatDateTime(null)).toBe("—");
  });

  it("humanizes snake_case words", () => {
    expect(humanize("extracting_audio")).toBe("Extracting audio");
    expect(humanize("retry_refused")).toBe("Retry refused");
  });
});
