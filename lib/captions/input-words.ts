// Turns whatever the speech service returned into one clean, ordered list of timed words.
// Times become whole milliseconds here: SRT and VTT carry milliseconds, so a cue built in ms reads
// back from a file exactly as it was built (and a 5/6 s minimum cannot round down below itself).

import { restorePunctuation } from "./restore-punctuation";
import { displayLength } from "./text-length";
import type { Segment, Word } from "./types";

/** A word with text trimmed and non-empty, times in whole ms, starts never decreasing, end ≥ start. */
export interface TimedWord {
  text: string;
  start: number;
  end: number;
}

export interface CaptionInput {
  words?: Word[];
  segments?: Segment[];
}

/**
 * Word-level timings win when present (segments then only lend their punctuation); otherwise each
 * segment's own words, or its text spread over its time span.
 */
export function collectWords(input: CaptionInput): TimedWord[] {
  const segments = input.segments ?? [];
  const words = cleanWords(input.words ?? []);
  const chosen = words.length > 0 ? restorePunctuation(words, segments) : segments.flatMap(wordsOfSegment);
  return toOrderedMs(chosen);
}

function cleanWords(words: Word[]): Word[] {
  return words.map((word) => ({ ...word, text: cleanText(word.text) })).filter((word) => word.text !== "");
}

function cleanText(text: string): string {
  return String(text ?? "")
    .replace(/\s+/g, " ")
    .trim();
}

function wordsOfSegment(segment: Segment): Word[] {
  const own = cleanWords(segment.words ?? []);
  return own.length > 0 ? restorePunctuation(own, [segment]) : spreadOverSegment(segment);
}

// Without word timings, assume speech runs at an even pace through the segment: each word gets a share
// of the span proportional to its length, which tracks syllables better than an equal share per word.
function spreadOverSegment(segment: Segment): Word[] {
  const texts = cleanText(segment.text)
    .split(" ")
    .filter((text) => text !== "");
  const lengths = texts.map(displayLength);
  const total = lengths.reduce((sum, length) => sum + length, 0);
  const start = Number.isFinite(segment.start) ? segment.start : 0;
  const span = Number.isFinite(segment.end) ? Math.max(0, segment.end - start) : 0;
  let before = 0;
  return texts.map((text, i) => {
    const length = lengths[i] ?? 0;
    const word = {
      text,
      start: start + (span * before) / total,
      end: start + (span * (before + length)) / total,
    };
    before += length;
    return word;
  });
}

// Recognisers occasionally emit a word that starts before the previous one or lacks a time; clamping
// keeps the input order (which is the reading order) and makes later timing arithmetic safe.
function toOrderedMs(words: Word[]): TimedWord[] {
  let previousStart = 0;
  let previousEnd = 0;
  return words.map((word) => {
    const start = Math.max(previousStart, toMs(word.start, previousEnd));
    const end = Math.max(start, toMs(word.end, start));
    previousStart = start;
    previousEnd = end;
    return { text: word.text, start, end };
  });
}

function toMs(seconds: number, fallback: number): number {
  return Number.isFinite(seconds) ? Math.max(0, Math.round(seconds * 1000)) : fallback;
}
