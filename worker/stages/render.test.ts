import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cue, toSrt } from "../../lib/captions";
import { toAss } from "../../lib/captions/ass";
import { type CaptionStyleInput, resolveCaptionStyle } from "../../lib/captions/caption-style";
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
let assFile: string;
const signal = new AbortController().signal;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "captioner-render-"));
  srtFile = path.join(dir, "captions.srt");
  await writeFile(srtFile, toSrt(CUES));
  assFile = path.join(dir, "captions.ass");
  await writeFile(assFile, toAss(CUES, resolveCaptionStyle(undefined), { width: 320, height: 240 }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function render(file: string, burnIn: boolean, name: string, ass = assFile) {
  const media = await probeMedia(file, { maxDurationSec: 60, signal });
  const output = path.join(dir, `${name}.mp4`);
  const mode = await renderVideo({
    file,
    media,
    audioTrack: 0,
    srtFile,
    assFile: ass,
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

// Each case renders two or three clips: allow for a shared, busy machine.
describe("renderVideo, styles through ASS", { timeout: 240_000 }, () => {
  // How much a band of the picture changed between input and output at a moment a cue is on screen.
  async function bandChange(input: string, output: string, band: { top: number; bottom: number }) {
    return meanAbsDiff(await frameBand(input, 0.6, band), await frameBand(output, 0.6, band));
  }

  async function renderStyled(style: CaptionStyleInput, frame: { width: number; height: number }, name: string) {
    const clip = await makeSpeechVideo({ script: SCRIPT, ...frame });
    const ass = path.join(dir, `${name}.ass`);
    await writeFile(ass, toAss(CUES, resolveCaptionStyle(style), frame));
    const { output } = await render(clip.path, true, name, ass);
    return { input: clip.path, output };
  }

  it("draws at the bottom or at the top as asked, and nowhere else", async () => {
    const top = { top: 0, bottom: 0.3 };
    const middle = { top: 0.35, bottom: 0.65 };
    const bottom = { top: 0.7, bottom: 1 };
    const frame = { width: 320, height: 240 };
    const low = await renderStyled({ position: "bottom" }, frame, "style-bottom");
    const high = await renderStyled({ position: "top" }, frame, "style-top");
    const lowBottom = await bandChange(low.input, low.output, bottom);
    const lowTop = await bandChange(low.input, low.output, top);
    const highTop = await bandChange(high.input, high.output, top);
    const highBottom = await bandChange(high.input, high.output, bottom);
    expect(lowBottom).toBeGreaterThan(Math.max(4, lowTop * 3));
    expect(highTop).toBeGreaterThan(Math.max(4, highBottom * 3));
    expect(await bandChange(low.input, low.output, middle)).toBeLessThan(lowBottom / 3);
  });

  it("a box covers more of the picture than an outline, and a bigger font more than a smaller one", async () => {
    const frame = { width: 320, height: 240 };
    const bottom = { top: 0.7, bottom: 1 };
    const outline = await renderStyled({ preset: "classic" }, frame, "style-outline");
    const boxed = await renderStyled({ preset: "boxed" }, frame, "style-boxed");
    const big = await renderStyled({ preset: "classic", fontSize: 0.09 }, frame, "style-big");
    const outlineChange = await bandChange(outline.input, outline.output, bottom);
    expect(await bandChange(boxed.input, boxed.output, bottom)).toBeGreaterThan(outlineChange * 1.3);
    expect(await bandChange(big.input, big.output, bottom)).toBeGreaterThan(outlineChange * 1.3);
  });

  it("keeps captions on vertical video above the bottom safe area (the apps' buttons)", async () => {
    const frame = { width: 180, height: 320 };
    const { input, output } = await renderStyled({ preset: "social" }, frame, "style-vertical");
    const aboveSafeArea = await bandChange(input, output, { top: 0.55, bottom: 0.82 });
    const safeArea = await bandChange(input, output, { top: 0.86, bottom: 1 });
    expect(aboveSafeArea).toBeGreaterThan(Math.max(4, safeArea * 3));
  });
});
