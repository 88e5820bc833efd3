import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cue, toSrt } from "../../lib/captions";
import { FOREIGN_CODECS, makeForeignSpeechVideo, makeSpeechVideo } from "../../tests/support/make-media";
import { extractSubtitleCues, frameBand, meanAbsDiff, probeStreams } from "../../tests/support/media-checks";
import { probeMedia } from "./probe";
import { renderVideo } from "./render";

// Every render path with real media, including inputs MP4 cannot carry as they are (VP8/Vorbis, MPEG-2,
// Theora): the output is an MP4 that plays, and the captions are where the user asked for them.
const SCRIPT = "Soft subtitles travel with the picture wherever it goes.";
const CUES: Cue[] = [
  { start: 0.2, end: 1.1, lines: ["Soft subtitles travel"] },
  { start: 1.15, end: 1.9, lines: ["with the picture", "wherever it goes."] },
];

let dir: string;
let srtFile: string;
const signal = new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "captioner-render-"));
  srtFile = path.join(dir, "captions.srt");
  await writeFile(srtFile, toSrt(CUES));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function render(file: string, burnIn: boolean, name: string) {
  const media = await probeMedia(file, { maxDurationSec: 60, signal });
  const output = path.join(dir, `${name}.mp4`);
  const mode = await renderVideo({
    file,
    media,
    audioTrack: 0,
    srtFile,
    burnIn,
    output,
    preset: "ultrafast",
    crf: 30,
    signal,
    report: () => {},
  });
  return { mode, output, media };
}

describe("renderVideo, soft subtitles", () => {
  const inputs = [
    ...Object.keys(FOREIGN_CODECS).map((codec) => ({ codec, expectedMode: "re-encode-soft-subtitles" })),
    { codec: "h264", expectedMode: "soft-subtitles" },
  ];
  it.each(inputs)(
    "$codec input → MP4 with a mov_text track holding the SRT's cues ($expectedMode)",
    async ({ codec, expectedMode }) => {
      const clip =
        codec === "h264"
          ? await makeSpeechVideo({ script: SCRIPT })
          : await makeForeignSpeechVideo({ script: SCRIPT, codec: codec as keyof typeof FOREIGN_CODECS });
      const { mode, output } = await render(clip.path, false, `soft-${codec}`);
      expect(mode).toBe(expectedMode);

      const probe = await probeStreams(output);
      expect(probe.streams.map((s) => s.type).sort()).toEqual(["audio", "subtitle", "video"]);
      expect(probe.streams.find((s) => s.type === "subtitle")?.codec).toBe("mov_text");
      expect(probe.streams.find((s) => s.type === "video")?.codec).toBe("h264");
      expect(Math.abs(probe.durationSec - clip.durationSec)).toBeLessThan(0.15);

      const cues = await extractSubtitleCues(output);
      expect(cues.map((c) => c.lines)).toEqual(CUES.map((c) => c.lines));
      cues.forEach((cue, i) => {
        expect(cue.start).toBeCloseTo(CUES[i]?.start ?? -1, 2);
        expect(cue.end).toBeCloseTo(CUES[i]?.end ?? -1, 2);
      });
    },
  );
});

describe("renderVideo, burn-in", () => {
  it("draws the captions into a VP8 input's picture and adds no subtitle track", async () => {
    const clip = await makeForeignSpeechVideo({ script: SCRIPT, codec: "webm" });
    const { mode, output } = await render(clip.path, true, "burn-webm");
    expect(mode).toBe("burn-in");
    const probe = await probeStreams(output);
    expect(probe.streams.map((s) => s.type).sort()).toEqual(["audio", "video"]);
    const at = 0.6;
    const bottom = { top: 0.75, bottom: 1 };
    const top = { top: 0, bottom: 0.25 };
    const captionDiff = meanAbsDiff(await frameBand(clip.path, at, bottom), await frameBand(output, at, bottom));
    const topDiff = meanAbsDiff(await frameBand(clip.path, at, top), await frameBand(output, at, top));
    expect(captionDiff).toBeGreaterThan(Math.max(4, topDiff * 3));
  });
});
