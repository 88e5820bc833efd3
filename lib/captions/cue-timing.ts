// When each cue appears and disappears. A cue appears as its first word is spoken and stays at least
// until its last word ends; it may linger into the following silence to reach the minimum duration and
// the reading speed, but never into the next cue. All values are whole milliseconds.

import { cueCharCount } from "./check-cues";
import { type Cue, type CueRules, DEFAULT_CUE_RULES } from "./types";

/** Two frames at 25 fps: a blank this long lets the eye notice that one cue replaced another. */
export const PREFERRED_CUE_GAP_SEC = 0.08;
/** Netflix closes gaps shorter than 12 frames (0.5 s): a cue that blinks off and on again is distracting. */
export const CHAIN_GAP_SEC = 0.5;

export interface SpokenSpan {
  /** First word's start. */
  start: number;
  /** Latest end of any of its words. */
  speechEnd: number;
  /** Characters to read (see cueCharCount). */
  chars: number;
}

export interface DisplayTime {
  start: number;
  end: number;
}

export interface TimingLimits {
  minMs: number;
  maxMs: number;
  gapMs: number;
  chainMs: number;
  msPerChar: number;
}

export function timingLimits(rules: CueRules): TimingLimits {
  return {
    // Round the limits inwards to whole ms so a cue that meets them in ms also meets them in seconds.
    minMs: Math.ceil(rules.minDurationSec * 1000 - 1e-9),
    maxMs: Math.floor(rules.maxDurationSec * 1000 + 1e-9),
    gapMs: Math.round(PREFERRED_CUE_GAP_SEC * 1000),
    chainMs: Math.round(CHAIN_GAP_SEC * 1000),
    msPerChar: 1000 / rules.maxCharsPerSecond,
  };
}

/**
 * On-screen times for consecutive cues, in order and never overlapping. Every cue gets at least the
 * time its text needs (the minimum duration, and its characters at the reading speed) and at most the
 * maximum duration. Where the speech leaves too little time — a burst faster than anyone reads, or
 * recogniser timings collapsed onto one instant — the next cue waits for this one instead of cutting it
 * short, and the captions catch up with the speech at the next pause.
 */
export function displayTimes(spans: SpokenSpan[], limits: TimingLimits): DisplayTime[] {
  const times: DisplayTime[] = [];
  let previousEnd = Number.NEGATIVE_INFINITY;
  spans.forEach((span, i) => {
    const start = Math.max(span.start, previousEnd + limits.gapMs, 0);
    const nextStart = spans[i + 1]?.start ?? Number.POSITIVE_INFINITY;
    const end = displayEnd(span, start, nextStart, limits);
    times.push({ start, end });
    previousEnd = end;
  });
  return times;
}

/** On-screen time a cue's text needs: the minimum duration, or its characters at the reading speed. */
export function readingTimeMs(chars: number, limits: TimingLimits): number {
  return Math.max(limits.minMs, Math.ceil(chars * limits.msPerChar));
}

function displayEnd(span: SpokenSpan, start: number, nextStart: number, limits: TimingLimits): number {
  // Never more than the maximum (a cue's reading time fits in it: the planner splits cues that do not).
  const latest = start + Math.max(limits.maxMs, limits.minMs);
  const needed = Math.min(latest, start + readingTimeMs(span.chars, limits));
  // Stay up while the words are spoken, and linger into silence only as long as reading needs.
  let end = Math.min(latest, Math.max(span.speechEnd, needed));
  const gapEnd = nextStart - limits.gapMs;
  // A blank shorter than chainMs blinks: close it down to the preferred gap instead.
  if (nextStart - end < limits.chainMs) end = Math.max(end, Math.min(gapEnd, latest));
  // Keep the gap even if that hides the last few ms of the last word (its end time is a guess anyway),
  // but never cut into the time the text needs: then the next cue starts later.
  return Math.max(needed, Math.min(end, gapEnd), start + 1);
}

/**
 * Cues fitted inside media that lasts `durationSec`: nothing is on screen after its end. A cue that runs
 * past the end (the minimum duration or the reading time carried the last one on after its last word) ends
 * with the media, and keeps the time its text needs — the minimum duration and its characters at the
 * reading speed, never more than it had — by starting earlier. So does a cue pushed to or past the end
 * behind a burst of fast speech, or timed past it by the recogniser: its words were said, so they are
 * shown, not dropped. The cues before it end earlier only as far as that takes (keeping the preferred gap),
 * and keep their own needed time the same way. A cue that cannot fit at all (media shorter than its
 * captions' minimum times) is dropped. `kept[i]` is the index in `cues` of the i-th cue returned.
 */
export function fitCuesToDuration(
  cues: readonly Cue[],
  durationSec: number,
  rules: Pick<CueRules, "minDurationSec" | "maxCharsPerSecond">,
): { cues: Cue[]; kept: number[] } {
  const mediaEnd = Math.floor(durationSec * 1000 + 1e-6);
  const limits = timingLimits({ ...DEFAULT_CUE_RULES, ...rules });
  const gapMs = Math.round(PREFERRED_CUE_GAP_SEC * 1000);
  const fitted: { cue: Cue; index: number }[] = [];
  let limit = mediaEnd;
  for (let index = cues.length - 1; index >= 0; index--) {
    const cue = cues[index];
    if (!cue) continue;
    const start = Math.round(cue.start * 1000);
    const end = Math.min(Math.round(cue.end * 1000), limit);
    if (end <= 0) continue;
    const needed = Math.min(readingTimeMs(cueCharCount(cue), limits), Math.round(cue.end * 1000) - start);
    const fittedStart = Math.max(0, Math.min(start, end - needed));
    if (fittedStart >= end) continue;
    fitted.push({ cue: { ...cue, start: fittedStart / 1000, end: end / 1000 }, index });
    // Only a cue moved earlier takes time from the one before it; otherwise that one keeps its own end.
    limit = fittedStart < start ? fittedStart - gapMs : mediaEnd;
  }
  fitted.reverse();
  return { cues: fitted.map((f) => f.cue), kept: fitted.map((f) => f.index) };
}
