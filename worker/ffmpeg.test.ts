import { describe, expect, it } from "vitest";
import { looksLikeBrokenInput, parseTimemark } from "./ffmpeg";
import { filterPath, renderMode } from "./stages/render";

describe("parseTimemark", () => {
  it.each([
    ["00:00:05.50", 5.5],
    ["01:02:03.25", 3723.25],
    ["garbage", Number.NaN],
  ])("%s → %s", (input, expected) => {
    expect(parseTimemark(input)).toBe(expected);
  });
});

describe("looksLikeBrokenInput", () => {
  it.each([
    ["[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55] stream 0, offset 0x3a2f: partial file", true],
    ["input.mp4: Invalid data found when processing input", true],
    ["[mov,mp4 @ 0x1] moov atom not found", true],
    ["frame=  100 fps= 50 q=28.0 size=     256kB time=00:00:04.00", false],
  ])("%s → %s", (line, expected) => {
    expect(looksLikeBrokenInput(line)).toBe(expected);
  });
});

describe("renderMode", () => {
  const media = {
    durationSec: 5,
    hasVideo: true,
    hasAudio: true,
    width: 320,
    height: 240,
    videoCodec: "h264",
    audioCodec: "aac",
    formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    demuxer: "mov",
    audioTracks: [{ index: 0, codec: "aac", isDefault: true, language: null, channels: 1 }],
  };
  it.each([
    { srtFile: "/tmp/c.srt", burnIn: true, media, expected: "burn-in" },
    { srtFile: "/tmp/c.srt", burnIn: false, media, expected: "soft-subtitles" },
    { srtFile: null, burnIn: true, media, expected: "copy" },
    {
      srtFile: "/tmp/c.srt",
      burnIn: false,
      media: { ...media, videoCodec: "theora" },
      expected: "re-encode-soft-subtitles",
    },
    { srtFile: null, burnIn: false, media: { ...media, videoCodec: "vp8" }, expected: "re-encode" },
    // Audio MP4 cannot carry is transcoded on its own: the picture is still copied.
    { srtFile: null, burnIn: true, media: { ...media, audioCodec: "vorbis" }, expected: "copy" },
  ])("$expected", ({ expected, ...input }) => {
    expect(renderMode(input)).toBe(expected);
  });
});

describe("filterPath", () => {
  it("accepts our temp paths and refuses characters the filter syntax would read", () => {
    expect(filterPath("/tmp/captioner-job-AbC_1/captions.srt")).toBe("/tmp/captioner-job-AbC_1/captions.srt");
    expect(() => filterPath("/tmp/a:b,c'd.srt")).toThrow(/unsafe/);
  });
});
