import { describe, expect, it } from "vitest";
import { formatDateTime, formatDuration, formatRelative, humanize } from "./formatting";

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

  it.each([
    [0, "just now"],
    [-3_000, "just now"],
    [42_000, "42 s ago"],
    [4 * 60_000 + 59_000, "4 min ago"],
    [3 * 3600_000, "3 h ago"],
    [47 * 3600_000, "47 h ago"],
    [3 * 86_400_000, "3 days ago"],
    [-30_000, "in 30 s"],
  ])("formatRelative(now - %s ms) → %s", (ago, text) => {
    const now = new Date("2026-11-28T12:00:00Z");
    expect(formatRelative(new Date(now.getTime() - ago), now)).toBe(text);
  });
});
