import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSrt, parseVtt } from "../../lib/captions";
import { resolveCaptionStyle } from "../../lib/captions/caption-style";
import { DEFAULT_CUE_RULES } from "../../lib/captions/types";
import type { Transcript } from "../transcribe/types";
import { writeCaptions, writeCueFiles } from "./write-captions";

// The caption files a job writes never run past the end of its video: the SRT and VTT a user downloads,
// and the ASS script the burn-in draws.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "captioner-captions-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const look = { style: resolveCaptionStyle({ highlightWords: true }), frame: { width: 320, height: 240 } };

/** Start and end (s) of each Dialogue event of an ASS script. */
function assEvents(script: string): { start: number; end: number }[] {
  const time = (text: string) => {
    const [h, m, s] = text.split(":").map(Number);
    return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
  };
  return [...script.matchAll(/^Dialogue: \d+,([\d:.]+),([\d:.]+),/gm)].map((m) => ({
    start: time(m[1] ?? ""),
    end: time(m[2] ?? ""),
  }));
}

describe("writeCaptions", () => {
  it("ends the last cue with the video when the word at its very end would carry it past", async () => {
    // "Goodbye." ends 50 ms before the end of a 5.137 s video: the minimum duration alone would carry it
    // 0.36 s past the end.
    const transcript: Transcript = {
      backend: "pocketsphinx",
      model: "en-us",
      language: "en",
      words: [
        { text: "Welcome", start: 0.29, end: 0.7 },
        { text: "back.", start: 0.75, end: 1.2 },
        { text: "Goodbye.", start: 4.66, end: 5.087 },
      ],
      segments: [],
      empty: false,
      punctuation: "guessed",
      wordTiming: "native",
    };
    const files = await writeCaptions(transcript, dir, DEFAULT_CUE_RULES, look, 5.137);
    const srt = parseSrt(await readFile(files.srt, "utf8"));
    const vtt = parseVtt(await readFile(files.vtt, "utf8"));
    expect(srt).toEqual(files.cues);
    expect(vtt).toEqual(files.cues);
    expect(files.cues.at(-1)).toEqual({ start: 4.303, end: 5.137, lines: ["Goodbye."] });
    const events = assEvents(await readFile(files.ass, "utf8"));
    expect(events).toHaveLength(files.cues.length);
    // ASS counts centiseconds: 5.137 s is written 5.14, inside the video's last frame.
    expect(events.at(-1)?.end).toBeCloseTo(5.14, 6);
  });

  it("writes the same cues as before when the video lasts longer than its captions (duration unknown: as built)", async () => {
    const transcript: Transcript = {
      backend: "pocketsphinx",
      model: "en-us",
      language: "en",
      words: [{ text: "Hello.", start: 1, end: 1.4 }],
      segments: [],
      empty: false,
      punctuation: "guessed",
      wordTiming: "native",
    };
    const inside = await writeCaptions(transcript, dir, DEFAULT_CUE_RULES, look, 10);
    const unknown = await writeCaptions(transcript, dir, DEFAULT_CUE_RULES, look, null);
    expect(inside.cues).toEqual(unknown.cues);
    expect(inside.cues).toEqual([{ start: 1, end: 1.834, lines: ["Hello."] }]);
  });
});

describe("writeCueFiles", () => {
  it("fits edited cues that end after the video (the API allows 0.5 s) inside it", async () => {
    const cues = [
      { start: 0.5, end: 2, lines: ["First."] },
      { start: 4.9, end: 5.6, lines: ["Edited last line."] },
    ];
    const files = await writeCueFiles(cues, dir, look, { durationSec: 5.137, rules: DEFAULT_CUE_RULES });
    // Its own 0.7 s (shorter than the minimum: a person chose it) kept, ending with the video.
    expect(files.cues).toEqual([cues[0], { start: 4.437, end: 5.137, lines: ["Edited last line."] }]);
    expect(parseSrt(await readFile(files.srt, "utf8"))).toEqual(files.cues);
    expect(assEvents(await readFile(files.ass, "utf8")).map((e) => e.end)).toEqual([2, 5.14]);
  });
});
