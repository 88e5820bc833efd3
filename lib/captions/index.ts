// Public API of the caption library: build cues from a transcript, check them, write and read SRT/VTT.

export { buildCues } from "./build-cues";
export { checkCue, checkCueSequence, checkReadingSpeed, cueCharCount, cueCps } from "./check-cues";
export { CHAIN_GAP_SEC, PREFERRED_CUE_GAP_SEC } from "./cue-timing";
export { toSrt, toVtt } from "./formats";
export type { CaptionInput } from "./input-words";
export { parseSrt, parseVtt } from "./parse";
export { type Cue, type CueRules, DEFAULT_CUE_RULES, type Segment, type Word } from "./types";
