import { describe, expect, it } from "vitest";
import type { Word } from "../../lib/captions/types";
import type { Transcript } from "../transcribe/types";
import { seamPoint, stitchTranscripts } from "./stitch-transcripts";

function transcript(words: Word[]): Transcript {
  return {
    backend: "pocketsphinx",
    model: "en-us",
    language: "en",
    words,
    segments: [
      { text: words.map((w) => w.text).join(" "), start: words[0]?.start ?? 0, end: words.at(-1)?.end ?? 0, words },
    ],
    empty: words.length === 0,
    punctuation: "guessed",
    wordTiming: "native",
  };
}

/** The words of `all` (input clock) a recogniser hears in [from, to), on its own clock, timings nudged by `skew`. */
function heard(all: Word[], from: number, to: number, skew = 0): Transcript {
  return transcript(
    all
      .filter((w) => w.end > from && w.start < to)
      .map((w) => ({ text: w.text, start: w.start - from + skew, end: w.end - from + skew })),
  );
}

// Speech on the input's clock: one word every 0.5 s, 0.4 s long (a 0.1 s pause after each), 0..12 s.
const SPEECH: Word[] = Array.from({ length: 24 }, (_, i) => ({ text: `w${i}`, start: i * 0.5, end: i * 0.5 + 0.4 }));

describe("stitchTranscripts", () => {
  it("keeps every word once, in order, on the input's clock, across two seams with 2 s overlaps", () => {
    const parts = [
      { startSec: 0, offsetSec: 0, transcript: heard(SPEECH, 0, 6) },
      { startSec: 4, offsetSec: 2, transcript: heard(SPEECH, 2, 10) },
      { startSec: 8, offsetSec: 6, transcript: heard(SPEECH, 6, 12) },
    ];
    const stitched = stitchTranscripts(parts, 2);
    expect(stitched.words.map((w) => w.text)).toEqual(SPEECH.map((w) => w.text));
    expect(stitched.words.map((w) => w.start)).toEqual(SPEECH.map((w) => w.start));
    expect(stitched.segments.flatMap((s) => s.words?.map((w) => w.text) ?? [])).toEqual(SPEECH.map((w) => w.text));
  });

  it("neither duplicates nor drops a word the two recognisers timed differently at the seam", () => {
    // The word at the cut (w8, 4.0–4.4 s) is timed 0.15 s later by the second recogniser: a plain midpoint
    // rule at a cut of 4.2 s would drop it from both sides (or keep it twice with the skew the other way).
    for (const skew of [0.15, -0.15]) {
      const parts = [
        { startSec: 0, offsetSec: 0, transcript: heard(SPEECH, 0, 6.2) },
        { startSec: 4.2, offsetSec: 2.2, transcript: heard(SPEECH, 2.2, 12, skew) },
      ];
      const texts = stitchTranscripts(parts, 2).words.map((w) => w.text);
      expect(texts).toEqual(SPEECH.map((w) => w.text));
    }
  });

  it("drops the half-heard word at an audio window's edge in favour of the neighbour that heard it whole", () => {
    const first = heard(SPEECH, 0, 6);
    // The first recogniser's window ends inside w12 (6.0–6.4 s): it heard a cut-off "w12?" ending at 6.0.
    first.words.push({ text: "w12?", start: 6.0, end: 6.0 });
    const stitched = stitchTranscripts(
      [
        { startSec: 0, offsetSec: 0, transcript: first },
        { startSec: 4, offsetSec: 2, transcript: heard(SPEECH, 2, 12) },
      ],
      2,
    );
    expect(stitched.words.map((w) => w.text)).toEqual(SPEECH.map((w) => w.text));
  });

  it("takes the first detected language and sums alignment counts", () => {
    const a = {
      ...heard(SPEECH, 0, 6),
      language: null,
      alignment: { forced: 1, proportional: 0, fallbackReasons: [] },
    };
    const b = {
      ...heard(SPEECH, 2, 12),
      language: "en",
      alignment: { forced: 1, proportional: 1, fallbackReasons: ["x"] },
    };
    const stitched = stitchTranscripts(
      [
        { startSec: 0, offsetSec: 0, transcript: a },
        { startSec: 4, offsetSec: 2, transcript: b },
      ],
      2,
    );
    expect(stitched.language).toBe("en");
    expect(stitched.alignment).toEqual({ forced: 2, proportional: 1, fallbackReasons: ["x"] });
    expect(stitched.empty).toBe(false);
  });
});

describe("seamPoint", () => {
  it("chooses a pause of both transcripts nearest the cut", () => {
    const before = transcript([{ text: "a", start: 3.9, end: 4.3 }]);
    const after = transcript([{ text: "a", start: 3.95, end: 4.35 }]);
    // 4.35 (after both) is 0.25 s from the cut, 3.9 (before both) 0.2 s: the nearer wins.
    expect(seamPoint(before, after, 4.1, 2)).toEqual({ beforeSec: 3.9, afterSec: 3.9 });
  });

  it("is the cut when nothing was said near it", () => {
    expect(seamPoint(transcript([]), transcript([]), 4, 2)).toEqual({ beforeSec: 4, afterSec: 4 });
  });
});
