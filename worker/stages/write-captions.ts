import { writeFile } from "node:fs/promises";
import path from "node:path";
import { buildCues, toSrt, toVtt } from "../../lib/captions";
import type { Cue, CueRules } from "../../lib/captions/types";
import type { Transcript } from "../transcribe/types";

/** Builds readable cues from the transcript and writes the SRT and WebVTT files. */
export async function writeCaptions(
  transcript: Transcript,
  workDir: string,
  rules: CueRules,
): Promise<{ cues: Cue[]; srt: string; vtt: string }> {
  // Segments carry their own words where the backend timed them; passing segments alone keeps a segment
  // without word timings (e.g. one chunk of an API response) from being dropped in favour of the words.
  const cues = buildCues(
    transcript.segments.length > 0 ? { segments: transcript.segments } : { words: transcript.words },
    rules,
  );
  return writeCueFiles(cues, workDir);
}

/** Writes the SRT and WebVTT files of finished cues (built, or edited by a person). */
export async function writeCueFiles(cues: Cue[], workDir: string): Promise<{ cues: Cue[]; srt: string; vtt: string }> {
  const srt = path.join(workDir, "captions.srt");
  const vtt = path.join(workDir, "captions.vtt");
  await Promise.all([writeFile(srt, toSrt(cues)), writeFile(vtt, toVtt(cues))]);
  return { cues, srt, vtt };
}
