import { writeFile } from "node:fs/promises";
import path from "node:path";
import { buildCues, toSrt, toVtt } from "../../lib/captions";
import { type AssFrame, type CueWordTimes, toAss } from "../../lib/captions/ass";
import type { CaptionStyle } from "../../lib/captions/caption-style";
import { fitCuesToDuration } from "../../lib/captions/cue-timing";
import { collectWords } from "../../lib/captions/input-words";
import type { Cue, CueRules } from "../../lib/captions/types";
import type { Transcript } from "../transcribe/types";

export interface CaptionFiles {
  cues: Cue[];
  srt: string;
  vtt: string;
  /** The ASS script burn-in draws. */
  ass: string;
}

/** Where the captions must end: the media's duration, and the rules a cue fitted before it keeps. */
export interface CaptionBounds {
  /** The whole video's duration (the output's); null when unknown: cues are then written as they are. */
  durationSec: number | null;
  rules: Pick<CueRules, "minDurationSec" | "maxCharsPerSecond">;
}

/** Builds readable cues from the transcript and writes the SRT, WebVTT and ASS files. */
export async function writeCaptions(
  transcript: Transcript,
  workDir: string,
  rules: CueRules,
  look: { style: CaptionStyle; frame: AssFrame },
  durationSec: number | null,
): Promise<CaptionFiles> {
  // Segments carry their own words where the backend timed them; passing segments alone keeps a segment
  // without word timings (e.g. one chunk of an API response) from being dropped in favour of the words.
  const input = transcript.segments.length > 0 ? { segments: transcript.segments } : { words: transcript.words };
  const cues = buildCues(input, rules);
  const timed = transcript.words.length > 0 || transcript.segments.some((s) => (s.words?.length ?? 0) > 0);
  const wordTimes = look.style.highlightWords && timed ? wordStartsPerCue(cues, collectWords(input)) : undefined;
  return writeCueFiles(cues, workDir, { ...look, wordTimes }, { durationSec, rules });
}

/**
 * Writes the SRT, WebVTT and ASS files of finished cues (built, or edited by a person), fitted inside the
 * media (lib/captions/cue-timing.ts fitCuesToDuration): a cue never runs past the end of the video, so the
 * subtitle track cannot make the MP4 longer than its picture and sound.
 */
export async function writeCueFiles(
  allCues: Cue[],
  workDir: string,
  look: { style: CaptionStyle; frame: AssFrame; wordTimes?: CueWordTimes },
  bounds: CaptionBounds,
): Promise<CaptionFiles> {
  const { cues, wordTimes } = fitToMedia(allCues, look.wordTimes, bounds);
  const srt = path.join(workDir, "captions.srt");
  const vtt = path.join(workDir, "captions.vtt");
  const ass = path.join(workDir, "captions.ass");
  await Promise.all([
    writeFile(srt, toSrt(cues)),
    writeFile(vtt, toVtt(cues)),
    writeFile(ass, toAss(cues, look.style, look.frame, wordTimes)),
  ]);
  return { cues, srt, vtt, ass };
}

function fitToMedia(
  cues: Cue[],
  wordTimes: CueWordTimes | undefined,
  bounds: CaptionBounds,
): { cues: Cue[]; wordTimes: CueWordTimes | undefined } {
  if (bounds.durationSec === null) return { cues, wordTimes };
  const fitted = fitCuesToDuration(cues, bounds.durationSec, bounds.rules);
  return { cues: fitted.cues, wordTimes: wordTimes && fitted.kept.map((index) => wordTimes[index] ?? null) };
}

// The builder shows every word once, in order: cue i holds the next n words, n its words on screen.
function wordStartsPerCue(cues: Cue[], words: { start: number }[]): CueWordTimes {
  let next = 0;
  return cues.map((cue) => {
    const count = cue.lines.join(" ").split(" ").filter(Boolean).length;
    const starts = words.slice(next, next + count).map((word) => word.start / 1000);
    next += count;
    return starts.length === count ? starts : null;
  });
}
