import { describe, expect, it } from "vitest";
import { describeLimit, parseProbe } from "./probe";

describe("parseProbe", () => {
  it("reads duration, streams and codecs", () => {
    const info = parseProbe(
      JSON.stringify({
        format: { duration: "12.5", format_name: "mov,mp4" },
        streams: [
          {
            codec_type: "video",
            codec_name: "h264",
            width: 1280,
            height: 720,
            r_frame_rate: "30000/1001",
            avg_frame_rate: "30000/1001",
          },
          { codec_type: "audio", codec_name: "aac", channels: 2, disposition: { default: 1 } },
          { codec_type: "audio", codec_name: "opus", channels: 1, tags: { language: "fre" } },
        ],
      }),
    );
    expect(info).toEqual({
      durationSec: 12.5,
      hasVideo: true,
      hasAudio: true,
      width: 1280,
      height: 720,
      videoCodec: "h264",
      audioCodec: "aac",
      formatName: "mov,mp4",
      audioTracks: [
        { index: 0, codec: "aac", isDefault: true, language: null, channels: 2 },
        { index: 1, codec: "opus", isDefault: false, language: "fre", channels: 1 },
      ],
      frameRate: 30000 / 1001,
    });
  });

  it("knows a constant frame rate only when the nominal and average rates agree", () => {
    const rate = (r: string, avg: string) =>
      parseProbe(JSON.stringify({ streams: [{ codec_type: "video", r_frame_rate: r, avg_frame_rate: avg }] }))
        .frameRate;
    expect(rate("25/1", "25/1")).toBe(25);
    expect(rate("25/1", "3824640/153601")).toBe(25);
    expect(rate("30/1", "2850/100")).toBeNull();
    expect(rate("0/0", "0/0")).toBeNull();
  });

  it("does not count cover art in an audio file as a video track", () => {
    const info = parseProbe(
      JSON.stringify({
        format: { duration: "3" },
        streams: [
          { codec_type: "audio", codec_name: "mp3" },
          { codec_type: "video", codec_name: "mjpeg", disposition: { attached_pic: 1 } },
        ],
      }),
    );
    expect(info.hasVideo).toBe(false);
    expect(info.hasAudio).toBe(true);
  });

  it("reports a missing duration as NaN so the stage can refuse it", () => {
    expect(
      parseProbe(JSON.stringify({ streams: [{ codec_type: "video", codec_name: "h264" }] })).durationSec,
    ).toBeNaN();
  });
});

describe("describeLimit", () => {
  it.each([
    [14_400, "4 hours"],
    [3600, "1 hour"],
    [5400, "90 minutes"],
    [45, "45 seconds"],
    [1, "1 second"],
  ])("%s s → %s", (seconds, expected) => {
    expect(describeLimit(seconds)).toBe(expected);
  });
});
