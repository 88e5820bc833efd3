// Shared shapes for caption building, checking and (de)serialising. All times are in seconds.

/** One recognised word. `text` may carry punctuation ("Hello," "world."). */
export interface Word {
  text: string;
  start: number;
  end: number;
}

/** A stretch of recognised speech; some speech services give no per-word timings. */
export interface Segment {
  text: string;
  start: number;
  end: number;
  words?: Word[];
}

/** One caption as shown on screen: 1 or 2 lines of plain text (no markup). */
export interface Cue {
  start: number;
  end: number;
  lines: string[];
}

export interface CueRules {
  maxCharsPerLine: number;
  maxLines: number;
  minDurationSec: number;
  maxDurationSec: number;
  maxCharsPerSecond: number;
  /** Never join words across a silence longer than this. */
  maxGapSec: number;
}

// Broadcast subtitle norms (BBC / Netflix "English" profile).
export const DEFAULT_CUE_RULES: CueRules = {
  maxCharsPerLine: 42,
  maxLines: 2,
  // 20 frames at 24 fps: the shortest time a viewer can notice and read a short cue.
  minDurationSec: 5 / 6,
  maxDurationSec: 7,
  // Netflix's adult reading speed; BBC's 160–180 wpm lands in the same place.
  maxCharsPerSecond: 20,
  // Pauses between phrases and sentences in ordinary speech run ~0.2–1 s, so 1.5 s only splits at real
  // breaks (a turn, a scene change, music). A cue held across a longer silence shows words seconds
  // before or after they are spoken, which reads as out of sync.
  maxGapSec: 1.5,
};
