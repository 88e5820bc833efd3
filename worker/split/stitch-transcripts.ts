import type { Segment, Word } from "../../lib/captions/types";
import type { Transcript } from "../transcribe/types";

// Joins the transcripts of a split video's segments into one (docs/scaling.md). Each segment's recogniser
// heard its own part plus an overlap into its neighbours, so a word at a seam is heard twice (or half
// heard at a window's edge). Pure: unit-tested in stitch-transcripts.test.ts.

export interface SegmentTranscript {
  /** The cut between this segment and the previous one (s); the first segment's is 0. */
  startSec: number;
  /** Where its audio window began in the input (s): its transcript's times are relative to this. */
  offsetSec: number;
  transcript: Transcript;
}

/** A transcript's times shifted to the input's clock. */
export function shiftTranscript(transcript: Transcript, offsetSec: number): Transcript {
  const shiftWord = (w: Word): Word => ({ ...w, start: w.start + offsetSec, end: w.end + offsetSec });
  return {
    ...transcript,
    words: transcript.words.map(shiftWord),
    segments: transcript.segments.map((s) => ({
      ...s,
      start: s.start + offsetSec,
      end: s.end + offsetSec,
      ...(s.words ? { words: s.words.map(shiftWord) } : {}),
    })),
  };
}

/** Timed spans of a transcript: its words, or its segments where it has no word timings. */
function spans(transcript: Transcript): { start: number; end: number }[] {
  return transcript.words.length > 0
    ? transcript.words
    : transcript.segments.flatMap((s) => (s.words && s.words.length > 0 ? s.words : [s]));
}

const midpoint = (s: { start: number; end: number }) => (s.start + s.end) / 2;

/** A hand-over between two neighbours: `before` keeps midpoints < beforeSec, `after` midpoints >= afterSec. */
export interface Seam {
  beforeSec: number;
  afterSec: number;
}

/** Points within `overlapSec` of the cut that lie inside no span of `spanLists`, nearest the cut first. */
function pausesNear(cutSec: number, overlapSec: number, ...spanLists: { start: number; end: number }[][]): number[] {
  const all = spanLists.flat().filter((s) => s.end > cutSec - overlapSec && s.start < cutSec + overlapSec);
  const inside = (t: number) => all.some((s) => s.start < t && t < s.end);
  return [cutSec, ...all.flatMap((s) => [s.start, s.end])]
    .filter((t) => Math.abs(t - cutSec) <= overlapSec && !inside(t))
    .sort((a, b) => Math.abs(a - cutSec) - Math.abs(b - cutSec));
}

/**
 * Where to hand over from `before` to `after` near the cut `cutSec`. Best: the point nearest the cut that
 * lies in a pause of both transcripts (inside no word of either): both recognisers then agree which side
 * every word is on even when they timed the same word differently, so no word is kept twice or lost.
 * When speech runs through the whole overlap with no common pause (the two timed the words too
 * differently), `before` ends at a pause of its own and `after` starts after `before`'s last word: exact
 * for timing differences up to half a word.
 */
export function seamPoint(before: Transcript, after: Transcript, cutSec: number, overlapSec: number): Seam {
  const [common] = pausesNear(cutSec, overlapSec, spans(before), spans(after));
  if (common !== undefined) return { beforeSec: common, afterSec: common };
  const beforeSec = pausesNear(cutSec, overlapSec, spans(before))[0] ?? cutSec;
  const lastKept = spans(before)
    .filter((s) => midpoint(s) < beforeSec)
    .reduce((end, s) => Math.max(end, s.end), Number.NEGATIVE_INFINITY);
  return { beforeSec, afterSec: Number.isFinite(lastKept) ? lastKept : beforeSec };
}

/** The words (or untimed segments) of a shifted transcript whose midpoints lie in [from, to). */
function owned(transcript: Transcript, from: number, to: number): Transcript {
  const keep = (s: { start: number; end: number }) => midpoint(s) >= from && midpoint(s) < to;
  const segments: Segment[] = [];
  for (const segment of transcript.segments) {
    if (segment.words && segment.words.length > 0) {
      const words = segment.words.filter(keep);
      const first = words[0];
      const last = words.at(-1);
      if (!first || !last) continue;
      segments.push({ text: words.map((w) => w.text).join(" "), start: first.start, end: last.end, words });
    } else if (keep(segment)) {
      segments.push(segment);
    }
  }
  return { ...transcript, words: transcript.words.filter(keep), segments };
}

/**
 * One transcript of the whole input from its segments' transcripts, in order: every word once, on the
 * input's clock. Backend and model come from the first segment; the language is the first one detected.
 */
export function stitchTranscripts(parts: readonly SegmentTranscript[], overlapSec: number): Transcript {
  const shifted = parts.map((p) => shiftTranscript(p.transcript, p.offsetSec));
  const seams: Seam[] = [];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] as SegmentTranscript;
    seams.push(seamPoint(shifted[i - 1] as Transcript, shifted[i] as Transcript, part.startSec, overlapSec));
  }
  const kept = shifted.map((t, i) =>
    owned(t, seams[i - 1]?.afterSec ?? Number.NEGATIVE_INFINITY, seams[i]?.beforeSec ?? Number.POSITIVE_INFINITY),
  );
  const first = kept[0];
  if (!first) throw new Error("no segments to stitch");
  const words = kept.flatMap((t) => t.words);
  const segments = kept.flatMap((t) => t.segments);
  const alignments = kept.map((t) => t.alignment).filter((a) => a !== undefined);
  return {
    backend: first.backend,
    model: first.model,
    language: kept.find((t) => t.language)?.language ?? null,
    words,
    segments,
    empty: words.length === 0 && segments.length === 0,
    punctuation: first.punctuation,
    wordTiming: first.wordTiming,
    ...(alignments.length > 0
      ? {
          alignment: {
            forced: alignments.reduce((n, a) => n + a.forced, 0),
            proportional: alignments.reduce((n, a) => n + a.proportional, 0),
            fallbackReasons: [...new Set(alignments.flatMap((a) => a.fallbackReasons))],
          },
        }
      : {}),
  };
}
