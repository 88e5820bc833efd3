import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeShortPictureSpeechVideo, makeSpeechVideo, runTool } from "../../tests/support/make-media";
import { captureThumbnail, thumbnailTimeSec } from "./thumbnail";

// The frame the console shows for a job: when it is taken, and that ffmpeg really makes a small JPEG of it
// (or fails loudly, never silently writing nothing).

describe("thumbnailTimeSec", () => {
  it.each([
    ["no captions: 10% in", [], 20, 2],
    ["the first caption on screen after 10%: its middle", [{ start: 3, end: 5 }], 20, 4],
    ["a caption that straddles 10%: the middle of what is left of it", [{ start: 1, end: 4 }], 20, 3],
    [
      "captions only before 10% are skipped",
      [
        { start: 0.2, end: 1 },
        { start: 6, end: 8 },
      ],
      20,
      7,
    ],
    ["captions only before 10%: the middle of the last one", [{ start: 0.1, end: 0.5 }], 20, 0.3],
    ["never past the end", [{ start: 9.5, end: 12 }], 10, 9.9],
    ["a zero-length video: 0", [], 0, 0],
  ])("%s", (_name, cues, durationSec, expected) => {
    expect(thumbnailTimeSec(cues, durationSec)).toBeCloseTo(expected, 3);
  });
});

describe("captureThumbnail (real ffmpeg)", () => {
  let dir: string;
  const signal = new AbortController().signal;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "captioner-thumb-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a JPEG of a few KB that fits 320 px, from a 640x360 video", async () => {
    const clip = await makeSpeechVideo({ script: "A frame for the console.", width: 640, height: 360 });
    const output = path.join(dir, "frame.jpg");
    await captureThumbnail({ file: clip.path, atSec: 1, output, signal });
    const { stdout } = await runTool(
      "ffprobe",
      ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "json", output],
      30_000,
    );
    expect(JSON.parse(stdout).streams).toEqual([{ codec_name: "mjpeg", width: 320, height: 180 }]);
    const { size } = await stat(output);
    expect(size).toBeGreaterThan(1_000);
    expect(size).toBeLessThan(40_000);
  });

  it("a phone video (portrait) fits the same box: 180 px wide, 320 high", async () => {
    const clip = await makeSpeechVideo({ script: "A frame for the console.", width: 360, height: 640 });
    const output = path.join(dir, "portrait.jpg");
    await captureThumbnail({ file: clip.path, atSec: 0.5, output, signal });
    const { stdout } = await runTool(
      "ffprobe",
      ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", output],
      30_000,
    );
    expect(stdout.trim()).toBe("180,320");
  });

  it("fails when there is no picture at that moment (the picture ended before the sound)", async () => {
    const clip = await makeShortPictureSpeechVideo({ script: "The picture stops long before I do.", pictureSec: 0.5 });
    const output = path.join(dir, "none.jpg");
    await expect(captureThumbnail({ file: clip.path, atSec: 1.5, output, signal })).rejects.toMatchObject({
      code: "RENDER_FAILED",
    });
  });
});
