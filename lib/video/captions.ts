import { z } from "zod";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { checkCueSequence, cueFindings } from "../captions/check-cues";
import { profileRules } from "../captions/profiles";
import type { Cue } from "../captions/types";
import { JOB_ID_PATTERN } from "../ids";
import { enqueueCaptionJob, QueueUnavailableError } from "../jobs/enqueue";
import { FRESH_QUEUED_STATE } from "../jobs/job-states";
import { manageTokenMatches } from "../jobs/manage-token";
import { expiredMessage, inputExpiredMessage } from "../jobs/retention";

// GET/PUT /api/video/job/:id/captions: read a job's captions, and replace them with an edited version
// that is re-rendered from the cues as given — no recognition (the worker resumes from the transcript
// checkpoint and skips it). Every version and its outputs are kept (JobCaptionVersion).

/** A cue as the API shows it: `text` holds the cue's lines joined by "\n". */
export interface ApiCue {
  start: number;
  end: number;
  text: string;
}

export interface JobCaptions {
  version: number;
  cues: ApiCue[];
  /** Every version, oldest first; `rendered` false while its render is queued or running. */
  versions: { version: number; source: string; createdAt: string; rendered: boolean }[];
}

const MAX_CUES = 20_000;

export const captionsPutSchema = z
  .object({
    /** The version the edit was made from: a stale one (someone else saved meanwhile) is 409. */
    version: z.number().int().min(1),
    cues: z
      .array(
        z
          .object({
            start: z.number().finite().min(0),
            end: z.number().finite().min(0),
            text: z.string().max(1_000),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_CUES),
  })
  .strict();

/** Who is editing: the submitter (manage token) or an admin (their email, audited). */
export type CaptionEditor = { kind: "submitter" } | { kind: "admin"; userId: string; email: string };

export async function getJobCaptions(services: Pick<AppServices, "db">, id: string): Promise<JobCaptions> {
  const job = await findJob(services, id);
  if (job.status === "expired") throw new ApiError("JOB_EXPIRED", expiredMessage(job));
  const versions = await services.db.jobCaptionVersion.findMany({
    where: { jobId: id },
    orderBy: { version: "asc" },
    select: { version: true, source: true, createdAt: true, renderedAt: true, cues: true },
  });
  const current = versions.find((v) => v.version === job.captionVersion);
  if (!current) throw new ApiError("INVALID_STATE", `The captions are not ready yet; the job is ${job.status}.`);
  return {
    version: current.version,
    cues: (current.cues as unknown as Cue[]).map((cue) => ({
      start: cue.start,
      end: cue.end,
      text: cue.lines.join("\n"),
    })),
    versions: versions.map((v) => ({
      version: v.version,
      source: v.source,
      createdAt: v.createdAt.toISOString(),
      rendered: v.renderedAt !== null,
    })),
  };
}

/** Whether a bearer token belongs to the job (false also when the job does not exist). */
export async function isJobSubmitter(services: Pick<AppServices, "db">, id: string, token: string): Promise<boolean> {
  if (!JOB_ID_PATTERN.test(id)) return false;
  const job = await services.db.job.findUnique({ where: { id }, select: { manageTokenHash: true } });
  return manageTokenMatches(job?.manageTokenHash ?? null, token);
}

/**
 * Validates edited cues against the job's caption profile (every problem of every cue, so an editor can
 * fix them all at once), saves them as the next version and queues the re-render. The job goes back to
 * `queued`; its previous outputs stay in storage, listed by version.
 */
export async function putJobCaptions(
  services: Pick<AppServices, "db" | "queue">,
  id: string,
  body: unknown,
  editor: CaptionEditor,
): Promise<{ id: string; status: "queued"; version: number; statusUrl: string }> {
  const input = captionsPutSchema.parse(body);
  const job = await findJob(services, id);
  if (job.status === "expired") throw new ApiError("JOB_EXPIRED", expiredMessage(job));
  // The re-render reads the uploaded video: without it an edit could only fail.
  if (job.inputDeletedAt) throw new ApiError("INPUT_EXPIRED", inputExpiredMessage(job));
  if (job.status !== "completed") {
    throw new ApiError("INVALID_STATE", `Captions can be edited once the job is completed; it is ${job.status}.`);
  }
  if (input.version !== job.captionVersion) {
    throw new ApiError(
      "CONFLICT",
      `These edits were made to version ${input.version}, but the captions are at version ${job.captionVersion}; reload them.`,
    );
  }
  const options = (job.options ?? {}) as { profile?: string };
  const cues = validateCues(input.cues, profileRules(options.profile), job.durationSec);
  const version = job.captionVersion + 1;
  const author = editor.kind === "admin" ? editor.email : "submitter";

  await services.db.$transaction(async (tx) => {
    const reset = await tx.job.updateMany({
      where: { id, status: "completed", captionVersion: job.captionVersion, inputDeletedAt: null },
      data: { ...FRESH_QUEUED_STATE, captionVersion: version },
    });
    if (reset.count === 0) throw new ApiError("CONFLICT", "The job changed meanwhile; reload the captions.");
    await tx.jobCaptionVersion.create({
      data: { jobId: id, version, source: "edited", author, cues: JSON.parse(JSON.stringify(cues)) },
    });
    await tx.jobEvent.create({
      data: {
        jobId: id,
        type: "captions_edited",
        message: `Captions edited by ${editor.kind === "admin" ? editor.email : "the submitter"}: version ${version} (${cues.length} captions) queued for rendering.`,
        data: { version, cues: cues.length, by: editor.kind },
      },
    });
    if (editor.kind === "admin") {
      await tx.auditLog.create({
        data: {
          userId: editor.userId,
          userEmail: editor.email,
          action: "job.captions_edit",
          jobId: id,
          data: { via: "console", version, cues: cues.length },
        },
      });
    }
  });

  try {
    await enqueueCaptionJob(services.queue, id, version, "edit");
  } catch (error) {
    if (!(error instanceof QueueUnavailableError)) throw error;
    // Put the job back as it was: the edit is not saved if it cannot be rendered.
    await services.db.$transaction([
      services.db.jobCaptionVersion.delete({ where: { jobId_version: { jobId: id, version } } }),
      services.db.job.update({
        where: { id },
        data: {
          status: "completed",
          progress: 100,
          captionVersion: job.captionVersion,
          startedAt: job.startedAt,
          finishedAt: job.finishedAt,
        },
      }),
    ]);
    throw new ApiError("QUEUE_UNAVAILABLE", "The processing queue is unavailable; the edit was not saved.");
  }
  return { id, status: "queued", version, statusUrl: `/api/video/job/${id}` };
}

/** Edited cues → Cue[], or a 400 listing each cue's problems (index from 0, as in the request). */
function validateCues(input: ApiCue[], rules: ReturnType<typeof profileRules>, durationSec: number | null): Cue[] {
  const cues: Cue[] = input.map((cue) => ({
    start: roundMs(cue.start),
    end: roundMs(cue.end),
    lines: cue.text.split(/\r?\n/).map((line) => line.replace(/\s+/g, " ").trim()),
  }));
  const problems = cues.map((cue, index) => {
    const found = cueFindings(cue, rules).map((f) => f.message);
    if (durationSec !== null && cue.end > durationSec + 0.5) {
      found.push(`ends at ${cue.end.toFixed(3)} s, after the video's end (${durationSec.toFixed(3)} s)`);
    }
    const previous = cues[index - 1];
    if (previous && cue.start < previous.end) {
      found.push(
        `starts at ${cue.start.toFixed(3)} s, before caption ${index - 1} ends (${previous.end.toFixed(3)} s)`,
      );
    }
    return { index, problems: found };
  });
  const failing = problems.filter((p) => p.problems.length > 0);
  if (failing.length > 0 || checkCueSequence(cues).length > 0) {
    const first = failing[0];
    throw new ApiError(
      "VALIDATION_ERROR",
      `${failing.length} caption${failing.length === 1 ? "" : "s"} break the rules; caption ${first?.index}: ${first?.problems[0]}.`,
      { cues: failing },
    );
  }
  return cues;
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

async function findJob(services: Pick<AppServices, "db">, id: string) {
  const job = JOB_ID_PATTERN.test(id) ? await services.db.job.findUnique({ where: { id } }) : null;
  if (!job) throw new ApiError("JOB_NOT_FOUND", "No job with this id.");
  return job;
}
