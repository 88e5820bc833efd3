import { describe, expect, it } from "vitest";
import { formatTimestamp, toSrt, toVtt } from "./formats";
import type { Cue } from "./types";

const cues: Cue[] = [
  { start: 0, end: 1.5, lines: ["Hello world."] },
  { start: 61.0004, end: 62.9996, lines: ["Two lines", "of text"] },
  { start: 3723.045, end: 3725.5, lines: ["An hour later"] },
  { start: 360000.001, end: 360001.25, lines: ["A hundred hours in"] },
];

describe("toSrt", () => {
  it("writes numbered blocks with comma milliseconds", () => {
    expect(toSrt(cues)).toBe(
      [
        "1",
        "00:00:00,000 --> 00:00:01,500",
        "Hello world.",
        "",
        "2",
        "00:01:01,000 --> 00:01:03,000",
        "Two lines",
        "of text",
        "",
        "3",
        "01:02:03,045 --> 01:02:05,500",
        "An hour later",
        "",
        "4",
        "100:00:00,001 --> 100:00:01,250",
        "A hundred hours in",
        "",
      ].join("\n"),
    );
  });

  it("writes text as is: SRT has no escaping", () => {
    expect(toSrt([{ start: 1, end: 2, lines: ["Tom & Jerry <3", "a --> b"] }])).toBe(
      "1\n00:00:01,000 --> 00:00:02,000\nTom & Jerry <3\na --> b\n",
    );
  });

  it("writes nothing for no cues", () => {
    expect(toSrt([])).toBe("");
  });
});

describe("toVtt", () => {
  it("writes a WEBVTT header and dot milliseconds", () => {
    expect(toVtt(cues)).toBe(
      [
        "WEBVTT",
        "",
        "00:00:00.000 --> 00:00:01.500",
        "Hello world.",
        "",
        "00:01:01.000 --> 00:01:03.000",
        "Two lines",
        "of text",
        "",
        "01:02:03.045 --> 01:02:05.500",
        "An hour later",
        "",
        "100:00:00.001 --> 100:00:01.250",
        "A hundred hours in",
        "",
      ].join("\n"),
    );
  });

  it("escapes &, < and > so text (and any -->) shows literally", () => {
    expect(toVtt([{ start: 1, end: 2, lines: ["Tom & Jerry <3", "a --> b", "&amp; is not decoded"] }])).toBe(
      "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nTom &amp; Jerry &lt;3\na --&gt; b\n&amp;amp; is not decoded\n",
    );
  });

  it("writes only the header for no cues", () => {
    expect(toVtt([])).toBe("WEBVTT\n");
  });
});

describe("both formats", () => {
  it("trim lines and drop blank ones, which would end the cue early", () => {
    const padded: Cue[] = [{ start: 1, end: 2, lines: ["  padded  ", "", "   ", "kept"] }];
    expect(toSrt(padded)).toBe("1\n00:00:01,000 --> 00:00:02,000\npadded\nkept\n");
    expect(toVtt(padded)).toBe("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\npadded\nkept\n");
  });
});

describe("formatTimestamp", () => {
  it.each<[number, string]>([
    [0, "00:00:00,000"],
    [0.0004, "00:00:00,000"],
    [0.0006, "00:00:00,001"],
    [59.9999, "00:01:00,000"],
    [3599.9996, "01:00:00,000"],
    [86399.999, "23:59:59,999"],
    [362439.5, "100:40:39,500"],
    [-3, "00:00:00,000"],
    [Number.NaN, "00:00:00,000"],
  ])("%f s → %s", (seconds, expected) => {
    expect(formatTimestamp(seconds, ",")).toBe(expected);
    expect(formatTimestamp(seconds, ".")).toBe(expected.replace(",", "."));
  });
});
