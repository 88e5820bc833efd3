import { describe, expect, it } from "vitest";
import { buildCues } from "./build-cues";
import { toSrt, toVtt } from "./formats";
import { parseSrt, parseVtt } from "./parse";
import type { Cue, Word } from "./types";

const cues: Cue[] = [
  { start: 0, end: 1.5, lines: ["Hello world."] },
  { start: 61, end: 63, lines: ["Two lines", "of text"] },
  { start: 3723.045, end: 3725.5, lines: ["Tom & Jerry <3 >_<", "a --> b &amp; 42"] },
  { start: 360000.001, end: 360001.25, lines: ["1"] },
  { start: 360002, end: 360003, lines: ["«Ça va ?» — très bien 👍"] },
];

function spokenWords(count: number): Word[] {
  const vocabulary = [
    "so",
    "today,",
    "we",
    "look",
    "at",
    "captions.",
    "Why?",
    "Because",
    "they",
    "matter",
    "&",
    "<fun>",
  ];
  return Array.from({ length: count }, (_, i) => {
    const start = i * 0.37 + (i % 23 === 0 ? 2 : 0) + Math.floor(i / 23) * 2;
    return { text: vocabulary[(i * 7) % vocabulary.length] ?? "x", start, end: start + 0.29 };
  });
}

describe("round trips", () => {
  it("parseSrt reads back exactly what toSrt wrote", () => {
    expect(parseSrt(toSrt(cues))).toEqual(cues);
  });

  it("parseVtt reads back exactly what toVtt wrote, escaped text included", () => {
    expect(parseVtt(toVtt(cues))).toEqual(cues);
  });

  it("builder output survives both formats unchanged", () => {
    const built = buildCues({ words: spokenWords(200) });
    expect(built.length).toBeGreaterThan(10);
    expect(parseSrt(toSrt(built))).toEqual(built);
    expect(parseVtt(toVtt(built))).toEqual(built);
  });

  it("an empty list round-trips", () => {
    expect(parseSrt(toSrt([]))).toEqual([]);
    expect(parseVtt(toVtt([]))).toEqual([]);
  });
});

describe("parseVtt", () => {
  it("reads what real files contain", () => {
    const file = [
      "\uFEFFWEBVTT - a title",
      "Kind: captions",
      "Language: en",
      "",
      "STYLE",
      "::cue { color: yellow }",
      "",
      "NOTE written by hand,",
      "spans two lines",
      "",
      "intro",
      "00:01.000 --> 00:02.500 align:start position:10%",
      "<v Roger>Hi <i>there</i></v>",
      "<c.loud>Tom &amp; Jerry</c> &lt;3 it&#39;s &#x263A;",
      "",
      "",
      "NOTE",
      "",
      "01:00:00.5 --> 01:00:01.250",
      "  short fraction  ",
      "",
      "garbage without a timing line",
      "",
      "00:00:03.000 --> 00:00:04.000",
      "no blank line before the next cue",
      "00:00:04.000 --> 00:00:05.000",
      "<00:00:04.500>karaoke timestamp",
      "",
    ].join("\r\n");
    expect(parseVtt(file)).toEqual([
      { start: 1, end: 2.5, lines: ["Hi there", "Tom & Jerry <3 it's \u263a"] },
      { start: 3600.5, end: 3601.25, lines: ["short fraction"] },
      { start: 3, end: 4, lines: ["no blank line before the next cue"] },
      { start: 4, end: 5, lines: ["karaoke timestamp"] },
    ]);
  });

  it("decodes character references once", () => {
    const [cue] = parseVtt("WEBVTT\n\n00:00.000 --> 00:01.000\n&amp;lt; &unknown; &#0;\n");
    expect(cue?.lines).toEqual(["&lt; &unknown; &#0;"]);
  });

  it("reads a cue that follows the header without a blank line", () => {
    expect(parseVtt("WEBVTT\n00:00.000 --> 00:01.000\nsqueezed\n")).toEqual([
      { start: 0, end: 1, lines: ["squeezed"] },
    ]);
  });

  it("reads nothing from a header alone or from nothing", () => {
    expect(parseVtt("WEBVTT\n")).toEqual([]);
    expect(parseVtt("")).toEqual([]);
  });
});

describe("parseSrt", () => {
  it("reads what real files contain", () => {
    const file = [
      "\uFEFF1",
      "00:00:01,000 --> 00:00:02,000",
      "First  ",
      "line two",
      "2",
      "00:00:02,500 --> 00:00:03,000 X1:40 X2:600 Y1:20 Y2:50",
      "no blank line before this cue",
      "",
      "",
      "",
      "3",
      "00:00:04.5 --> 00:00:05.25",
      "dot and short fraction",
      "",
      "not a cue at all",
      "",
      "4",
      "0:00:06,000-->0:00:07,000",
      "<i>tags kept as written</i>",
      "42",
      "",
    ].join("\r\n");
    expect(parseSrt(file)).toEqual([
      { start: 1, end: 2, lines: ["First", "line two"] },
      { start: 2.5, end: 3, lines: ["no blank line before this cue"] },
      { start: 4.5, end: 5.25, lines: ["dot and short fraction"] },
      { start: 6, end: 7, lines: ["<i>tags kept as written</i>", "42"] },
    ]);
  });

  it("accepts old Mac line ends", () => {
    expect(parseSrt("1\r00:00:01,000 --> 00:00:02,000\rHi\r")).toEqual([{ start: 1, end: 2, lines: ["Hi"] }]);
  });

  it("reads nothing from nothing", () => {
    expect(parseSrt("")).toEqual([]);
    expect(parseSrt("\n\n  \n")).toEqual([]);
  });
});
