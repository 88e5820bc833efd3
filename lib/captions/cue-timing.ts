// When each cue appears and disappears. A cue appears as its first word is spoken and stays at least
// until its last word ends; it may linger into the following silence to reach the minimum duration and
// the reading speed, but never into the next cue. All values are whole milliseconds.

import type { CueRules } from "./types";

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

/** On-screen times for consecutive cues, in order and never overlapping. */
export function displayTimes(spans: SpokenSpan[], limits: TimingLimits): DisplayTime[] {
  const times: DisplayTime[] = [];
  let previousEnd = 0;
  spans.forEach((span, i) => {
    const start = Math.max(span.start, previousEnd);
    const nextStart = spans[i + 1]?.start ?? Number.POSITIVE_INFINITY;
    const end = displayEnd(span, start, nextStart, limits);
    times.push({ start, end });
    previousEnd = end;
  });
  return times;
}

function displayEnd(span: SpokenSpan, start: number, nextStart: number, limits: TimingLimits): number {
  const readable = Math.max(limits.minMs, Math.ceil(span.chars * limits.msPerChar));
  // Lingering is capped at the maximum duration; the speech itself is never cut short for it.
  const latest = Math.max(span.speechEnd, start + limits.maxMs);
  let end = Math.min(latest, Math.max(span.speechEnd, start + readable));
  const gapEnd = nextStart - limits.gapMs;
  if (nextStart - end < limits.chainMs) end = Math.max(end, Math.min(gapEnd, latest));
  // Keep the gap even if that hides the last few ms of the last word: its end time is a guess anyway.
  end = Math.min(end, gapEnd);
  // Give the gap up before the minimum duration; give both up before overlapping the next cue.
  if (end < start + limits.minMs) end = Math.min(start + limits.minMs, nextStart);
  return Math.max(end, start + 1);
}
