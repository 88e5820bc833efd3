import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFfmpeg } from "../../tests/support/make-media";
import { readWavLayout, splitForParallelism, stitchChunkWords, writeWavChunk } from "./silences";

describe("splitForParallelism", () => {
  const silences = [
    { start: 4.6, end: 5.2 },
    { start: 9.7, end: 10.1 },
    { start: 14.8, end: 15.6 },
    { start: 19.0, end: 19.4 },
  ];

  it("cuts in the middle of the silence nearest each even split point, on a sample boundary", () => {
    const chunks = splitForParallelism(20, silences, 2, { sampleRate: 16_000, minChunkSec: 2 });
    expect(chunks.map((c) => [c.start, c.end])).toEqual([
      [0, 9.9],
      [9.9, 20],
    ]);
    expect(chunks.map((c) => [c.startSample, c.endSample])).toEqual([
      [0, 158_400],
      [158_400, 320_000],
    ]);
    const four = splitForParallelism(20, silences, 4, { sampleRate: 16_000, minChunkSec: 2 });
    expect(four.map((c) => c.start)).toEqual([0, 4.9, 9.9, 15.2]);
    // Contiguous: each chunk starts on the sample where the last one ended, and the last reaches the end.
    for (let i = 1; i < four.length; i++) expect(four[i]?.startSample).toBe(four[i - 1]?.endSample);
    expect(four.at(-1)?.endSample).toBe(320_000);
  });

  it("never cuts outside a silence: no pause near a split point means fewer, longer chunks", () => {
    const chunks = splitForParallelism(20, [{ start: 1, end: 1.5 }], 2, { sampleRate: 16_000, minChunkSec: 2 });
    expect(chunks).toEqual([{ start: 0, end: 20, startSample: 0, endSample: 320_000 }]);
  });

  it("keeps chunks at least minChunkSec long and gives one chunk for one part", () => {
    expect(splitForParallelism(20, silences, 8, { sampleRate: 16_000, minChunkSec: 9 })).toHaveLength(2);
    expect(splitForParallelism(20, silences, 8, { sampleRate: 16_000, minChunkSec: 10 })).toHaveLength(1);
    expect(splitForParallelism(20, silences, 1, { sampleRate: 16_000 })).toHaveLength(1);
    expect(splitForParallelism(3, silences, 4, { sampleRate: 16_000, minChunkSec: 5 })).toHaveLength(1);
  });
});

describe("stitchChunkWords", () => {
  const w = (text: string, start: number, end: number) => ({ text, start, end });

  it("shifts each chunk's words by its exact start and puts the chunks in time order", () => {
    const words = stitchChunkWords([
      { range: { start: 158_400 / 16_000, end: 20 }, words: [w("world", 0.2, 0.6)] },
      { range: { start: 0, end: 9.9 }, words: [w("hello", 9.1, 9.5)] },
    ]);
    expect(words).toEqual([w("hello", 9.1, 9.5), w("world", 10.1, 10.5)]);
  });

  it("keeps a word heard in both of two overlapping chunks once, in the chunk its middle falls in", () => {
    // Chunks overlap by 2 s (9–11); the border is 10. "edge" (9.6–10.2, middle 9.9) is heard by both.
    const words = stitchChunkWords([
      { range: { start: 0, end: 11 }, words: [w("before", 8.0, 8.5), w("edge", 9.6, 10.2), w("after", 10.4, 10.9)] },
      { range: { start: 9, end: 20 }, words: [w("edge", 0.62, 1.21), w("after", 1.41, 1.9), w("later", 3, 3.5)] },
    ]);
    expect(words.map((x) => x.text)).toEqual(["before", "edge", "after", "later"]);
    expect(words[1]).toEqual(w("edge", 9.6, 10.2));
    expect(words[2]?.start).toBeCloseTo(10.41, 6);
  });

  it("keeps the recogniser's reading order inside a chunk, even when it timed an utterance late", () => {
    // As pocketsphinx printed it (raw output, chunk from 32.1 s): "we still need…" timed 3.5 s late.
    const words = stitchChunkWords([
      { range: { start: 32, end: 63 }, words: [w("we", 24.6, 24.7), w("ideas", 26.9, 27.6), w("thank", 28.3, 28.6)] },
    ]);
    expect(words.map((x) => x.text)).toEqual(["we", "ideas", "thank"]);
  });

  it("keeps times inside the chunk the recogniser heard", () => {
    const words = stitchChunkWords([{ range: { start: 5, end: 6 }, words: [w("late", 0.8, 1.4)] }]);
    expect(words).toEqual([w("late", 5.8, 6)]);
  });
});

describe("writeWavChunk", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "silences-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("copies exactly the chosen samples, with a header ffmpeg reads as the same format", async () => {
    // A file with ffmpeg's own header (LIST chunk included), 1 s of a tone.
    const source = path.join(dir, "tone.wav");
    await runFfmpeg(["-f", "lavfi", "-i", "sine=f=440:r=16000:d=1", "-ac", "1", "-c:a", "pcm_s16le", source]);
    const layout = await readWavLayout(source);
    expect(layout).toMatchObject({ sampleRate: 16_000, channels: 1, bitsPerSample: 16, totalSamples: 16_000 });
    const out = path.join(dir, "chunk.wav");
    await writeWavChunk(source, layout, { startSample: 4_000, endSample: 12_001 }, out);
    const whole = await readFile(source);
    const chunk = await readFile(out);
    const expected = whole.subarray(layout.dataOffset + 8_000, layout.dataOffset + 24_002);
    expect(chunk.subarray(44).equals(expected)).toBe(true);
    const reread = await readWavLayout(out);
    expect(reread).toMatchObject({ sampleRate: 16_000, totalSamples: 8_001, dataOffset: 44 });
    // ffmpeg decodes it: 8001 samples = 0.500063 s.
    const probe = path.join(dir, "probe.raw");
    await runFfmpeg(["-i", out, "-f", "s16le", "-c:a", "pcm_s16le", probe]);
    expect((await readFile(probe)).equals(expected)).toBe(true);
  });
});
