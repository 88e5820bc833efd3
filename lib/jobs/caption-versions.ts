import type { ReadabilityReport } from "../captions/readability";
import type { Cue } from "../captions/types";
import type { PrismaClient } from "../db";

// Versions of a job's captions (table JobCaptionVersion): 1 as recognised, then one per edit. The job
// row's captionVersion names the version its outputs show or are being rendered from.

export interface CaptionVersionOutputs {
  video: string;
  srt: string;
  vtt: string;
  /** The captured frame; null when the capture failed. */
  thumbnail: string | null;
}

/** The edited cues a run must render instead of recognising: the row's version, if not rendered yet. */
export async function pendingCaptionEdit(
  db: PrismaClient,
  jobId: string,
  version: number,
): Promise<{ version: number; cues: Cue[] } | null> {
  if (version <= 1) return null;
  const row = await db.jobCaptionVersion.findUnique({ where: { jobId_version: { jobId, version } } });
  if (!row || row.renderedAt) return null;
  return { version, cues: row.cues as unknown as Cue[] };
}

/** Records the outputs rendered for `version` (creating version 1, made by the worker, on the way). */
export async function recordRenderedVersion(
  db: PrismaClient,
  jobId: string,
  version: number,
  rendered: { cues: Cue[]; outputs: CaptionVersionOutputs; readability: ReadabilityReport },
): Promise<void> {
  const outputs = {
    outputVideoKey: rendered.outputs.video,
    outputSrtKey: rendered.outputs.srt,
    outputVttKey: rendered.outputs.vtt,
    thumbnailKey: rendered.outputs.thumbnail,
    readability: { ...rendered.readability },
    renderedAt: new Date(),
  };
  await db.jobCaptionVersion.upsert({
    where: { jobId_version: { jobId, version } },
    update: outputs,
    create: {
      jobId,
      version,
      source: "recognised",
      author: "worker",
      cues: JSON.parse(JSON.stringify(rendered.cues)),
      ...outputs,
    },
  });
}
