// Named caption profiles: the rules a job's cues are built to and its readability report checks.
// Numbers from the published guidelines, rounded to what a cue builder can hold exactly.

import { type CueRules, DEFAULT_CUE_RULES } from "./types";

export const CAPTION_PROFILES = {
  /** Netflix Timed Text Style Guide, English (adult): 42 chars × 2 lines, 20 chars/s, 5/6 s to 7 s. */
  "netflix-en": DEFAULT_CUE_RULES,
  /**
   * BBC Subtitle Guidelines: ~37 characters a line (68% of a 16:9 picture), 160–180 words a minute
   * (≈ 17 chars/s), no subtitle shorter than about a second.
   */
  bbc: { ...DEFAULT_CUE_RULES, maxCharsPerLine: 37, maxCharsPerSecond: 17, minDurationSec: 1 },
  /**
   * Children's programmes (Netflix kids 17 chars/s, BBC children's ~130 wpm): shorter lines, slower
   * reading, longer minimum.
   */
  children: { ...DEFAULT_CUE_RULES, maxCharsPerLine: 32, maxCharsPerSecond: 13, minDurationSec: 1.5 },
  /** Social video (vertical, watched muted on a phone): short lines for a narrow frame, brisk cues. */
  social: { ...DEFAULT_CUE_RULES, maxCharsPerLine: 32, maxDurationSec: 5, minDurationSec: 0.7 },
} as const satisfies Record<string, CueRules>;

export type CaptionProfile = keyof typeof CAPTION_PROFILES;
export const CAPTION_PROFILE_NAMES = Object.keys(CAPTION_PROFILES) as [CaptionProfile, ...CaptionProfile[]];
export const DEFAULT_CAPTION_PROFILE: CaptionProfile = "netflix-en";

/** The rules of a profile; an unknown name (an old row, a typo) gets the default profile's. */
export function profileRules(name: string | undefined): CueRules {
  return CAPTION_PROFILES[(name ?? DEFAULT_CAPTION_PROFILE) as CaptionProfile] ?? DEFAULT_CUE_RULES;
}
