import { describe, expect, it } from "vitest";
import { safeMargins, toAss } from "./ass";
import { resolveCaptionStyle } from "./caption-style";
import type { Cue } from "./types";

const CUES: Cue[] = [{ start: 1, end: 3.5, lines: ["Hello {there}", "and good night"] }];

function styleLine(script: string): string[] {
  return (script.split("\n").find((line) => line.startsWith("Style: ")) ?? "").slice(7).split(",");
}

describe("toAss", () => {
  it("sizes text by the frame height and draws in the frame's own pixels", () => {
    const script = toAss(CUES, resolveCaptionStyle({ fontSize: 0.1 }), { width: 1280, height: 720 });
    expect(script).toContain("PlayResX: 1280\nPlayResY: 720");
    const style = styleLine(script);
    expect(style[2]).toBe("72"); // 10% of 720
    expect(style[18]).toBe("2"); // bottom centre
    expect(style[21]).toBe("36"); // 5% margin
  });

  it("writes colours as &HAABBGGRR, a box as BorderStyle 3, the top as alignment 8", () => {
    const style = styleLine(
      toAss(CUES, resolveCaptionStyle({ preset: "boxed", position: "top", textColor: "#FFCC00" }), {
        width: 320,
        height: 240,
      }),
    );
    expect(style[3]).toBe("&H0000CCFF");
    expect(style[15]).toBe("3");
    expect(style[18]).toBe("8");
  });

  it("shows braces and backslashes literally instead of as override tags", () => {
    const script = toAss(CUES, resolveCaptionStyle(undefined), { width: 320, height: 240 });
    expect(script).toContain("Dialogue: 0,0:00:01.00,0:00:03.50,Caption,,0,0,0,,Hello (there)\\Nand good night");
  });

  it("highlights words as they are spoken when word times are given (karaoke)", () => {
    const script = toAss(CUES, resolveCaptionStyle({ preset: "social" }), { width: 320, height: 240 }, [
      [1.2, 1.6, 2, 2.3, 2.9],
    ]);
    expect(script).toContain(",,{\\k20}{\\kf40}Hello {\\kf40}(there)\\N{\\kf30}and {\\kf60}good {\\kf60}night");
  });

  it("keeps vertical video's captions clear of the apps' buttons", () => {
    expect(safeMargins({ width: 1080, height: 1920 }, "bottom")).toEqual({ side: 86, vertical: 346 });
    expect(safeMargins({ width: 1920, height: 1080 }, "bottom")).toEqual({ side: 96, vertical: 54 });
  });
});
