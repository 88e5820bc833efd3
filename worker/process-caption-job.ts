import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError, WaitingError } from "bullmq";
import type { Logger } from "pino";
import type { StoredTranscriber } from "../lib/asr/capabilities";
import { resolveCaptionStyle } from "../lib/captions/caption-style";
import { DEFAULT_CAPTION_PROFILE, profileRules } from "../lib/captions/profiles";
import { readabilityReport } from "../lib/captions/readability";
import type { Cue } from "../lib/captions/types";
import type { PrismaClient } from "../lib/db";
import { JobError } from "../lib/error-codes";
import {
  type CaptionJobOptions,
  type CaptionJobPayload,
  captionJobOptionsSchema,
  captionJobPayload,
} from "../lib/job-contract";
import { pendingCaptionEdit, recordRenderedVersion } from "../lib/jobs/caption-versions";
import { canceledState } from "../lib/jobs/job-states";
import { loadTranscriptCheckpoint, saveTranscriptCheckpoint } from "../lib/jobs/transcript-checkpoint";
import type { Storage } from "../lib/storage";
import { CancelRequested, ShutdownRequested } from "./cancel-reasons";
import { createJobDir } from "./job-dirs";
import { JobRun } from "./job-run";
import { resumeSplitJob, type SplitSettings, shouldSplit, startSplitJob } from "./split/split-job";
import { chooseAudioTrack } from "./stages/audio-track";
import { downloadInput } from "./stages/download";
import { extractAudio } from "./stages/extract-audio";
import { type MediaInfo, probeMedia } from "./stages/probe";
import { renderVideo } from "./stages/render";
import { captureThumbnail, thumbnailTimeSec } from "./stages/thumbnail";
import { uploadOutputs } from "./stages/upload-outputs";
import { type CaptionFiles, writeCaptions, writeCueFiles } from "./stages/write-captions";
import { refuseUnsupportedLanguage } from "./transcribe";
import type { Transcriber, Transcript } from "./transcribe/types";

export interface WorkerDeps {
  db: PrismaClient;
  storage: Storage;
  transcriber: Transcriber;
  log: Logger;
  settings: {
    maxDurationSec: number;
    preset: string;
    crf: number;
    tmpDir?: string;
    /** Burn-in slices to encode at once for this job (worker/stages/render.ts); one pass when unset. */
    renderSegments?: () => number;
  };
  /** Long videos become a flow of segments on many workers (worker/split); absent: always single pass. */
  split?: SplitSettings;
  /** Announces a final status (completed, failed, canceled) written by this processor: webhooks. Never throws. */
  onFinalStatus?: (jobId: string) => Promise<void>;
  /**
   * Announces a stage change of a running job (webhooks: job.progress, at most one per stage). Awaited before
   * the stage runs: never throws, and is bounded by the caller.
   */
  onStageChange?: (jobId: string) => Promise<void>;
  /** Counts a completed job's media minutes against its submitter's daily quota (lib/rate-limit). */
  recordMediaUsage?: (
    submitter: { apiKeyId: string | null; submitterIpHash: string | null },
    durationSec: number,
  ) => Promise<void>;
  /** Observes outcomes (metrics). */
  onOutcome?: (outcome: {
    status: "completed" | "failed" | "retrying" | "canceled" | "requeued";
    code?: string;
    timings?: { phase: string; durationMs: number }[];
  }) => void;
}

/**
 * The processor: one attempt at one job, as stages. Postgres is updated at every transition; the
 * temp dir is removed on every path. Permanent errors throw UnrecoverableError so BullMQ does not retry.
 */
export async function processCaptionJob(
  deps: WorkerDeps,
  job: Job<CaptionJobPayload>,
  token: string | undefined,
  signal: AbortSignal,
): Promise<{ outputVideoKey: string } | { skipped: string }> {
  const payload = captionJobPayload.safeParse(job.data);
  if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.issues[0]?.message}`);
  const { jobId } = payload.data;
  const log = deps.log.child({ jobId, attempt: job.attemptsMade + 1 });
  // A split job's parent coming back after its children finished (BullMQ's step pattern).
  if (payload.data.split) return resumeSplitJob(deps, { job, token, state: payload.data.split, log, signal });
  const row = await deps.db.job.findUnique({ where: { id: jobId } });
  if (!row) throw new UnrecoverableError(`job ${jobId} has no row in Postgres`);
  // Idempotent against duplicate deliveries: a finished job is never run to completion twice.
  if (row.status === "completed" || row.status === "canceled" || row.status === "failed" || row.status === "expired") {
    log.info({ status: row.status }, "job already finished; skipping");
    return { skipped: row.status };
  }

  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? 1;
  const options = captionJobOptionsSchema.parse(row.options ?? {});
  const startedAt = new Date();
  // Guarded: a cancel that lands between the read above and this write must win.
  const claimed = await deps.db.job.updateMany({
    where: { id: jobId, status: { in: ["queued", "processing"] } },
    data: {
      status: "processing",
      phase: "downloading",
      progress: 0,
      attempts: { increment: 1 },
      startedAt: row.startedAt && row.status === "processing" ? row.startedAt : startedAt,
      errorCode: null,
      errorMessage: null,
      errorDetail: undefined,
    },
  });
  if (claimed.count === 0) {
    log.info("job was canceled before it started; skipping");
    return { skipped: "canceled" };
  }
  await deps.db.jobEvent.create({
    data: {
      jobId,
      attempt,
      type: "started",
      message:
        attempt > 1
          ? `Attempt ${attempt} of ${maxAttempts} (progress restarts)`
          : `Attempt ${attempt} of ${maxAttempts}`,
    },
  });

  const run = new JobRun(
    deps.db,
    jobId,
    attempt,
    log,
    signal,
    (p) => void job.updateProgress(p).catch(() => {}),
    () => deps.onStageChange?.(jobId),
  );
  const began = performance.now();
  let workDir: string | undefined;
  try {
    const dir = await createJobDir(deps.settings.tmpDir ?? tmpdir());
    workDir = dir;
    refuseUnsupportedLanguage(deps.transcriber.capabilities, options.language);
    const input = await run.stage("downloading", (report) =>
      downloadInput(deps.storage, {
        key: row.inputKey,
        size: row.inputSize === null ? null : Number(row.inputSize),
        workDir: dir,
        signal,
        report,
      }),
    );
    const media = await run.stage("probing", () =>
      probeMedia(input, { maxDurationSec: deps.settings.maxDurationSec, signal }),
    );
    // Known from here on: the stuck-job reaper sizes this job's time limit by it (worker/reaper.ts).
    await deps.db.job.updateMany({
      where: { id: jobId, status: "processing" },
      data: { durationSec: media.durationSec },
    });

    // A long video burned in becomes a flow of segments on many workers; this attempt ends waiting for them.
    if (deps.split && shouldSplit(media, options, deps.split)) {
      await startSplitJob(deps, { job, token, row, options, media, input, dir, attempt, run, log, signal });
    }

    // A transcript saved by an earlier attempt is reused: recognition is paid for once per job. Edited
    // captions (PUT …/captions) are rendered as they are, from the same checkpoint.
    const checkpoint = await loadTranscriptCheckpoint(deps.db, jobId);
    const edit = await pendingCaptionEdit(deps.db, jobId, row.captionVersion);
    let transcript: Transcript;
    let audioTrack: number | null;
    if (checkpoint) {
      ({ transcript, audioTrack } = checkpoint);
      const message = edit
        ? `Rendering edited captions (version ${edit.version}): no recognition.`
        : `Reusing the transcript of attempt ${checkpoint.attempt} (${transcript.backend}).`;
      await run.skip("extracting_audio", message, { fromAttempt: checkpoint.attempt });
      await run.skip("transcribing", message, { fromAttempt: checkpoint.attempt, backend: transcript.backend });
    } else {
      const choice = await chooseAudioTrack({ file: input, media, requested: options.audioTrack, signal });
      audioTrack = choice?.index ?? null;
      if (choice) {
        const wav = await run.stage("extracting_audio", async (report) => {
          await deps.db.jobEvent.create({
            data: {
              jobId,
              attempt,
              stage: "extracting_audio",
              type: "note",
              message: choice.summary,
              data: { audioTrack: choice.index, reason: choice.reason, measured: choice.measured.map(levelForJson) },
            },
          });
          return extractAudio({
            file: input,
            demuxer: media.demuxer,
            track: choice.index,
            workDir: dir,
            durationSec: media.durationSec,
            signal,
            report,
          });
        });
        transcript = await run.stage("transcribing", (report) =>
          deps.transcriber.transcribe({
            wavPath: wav,
            durationSec: media.durationSec,
            workDir: dir,
            language: options.language,
            signal,
            onProgress: report,
          }),
        );
      } else {
        const { backend, model, punctuation, wordTiming } = deps.transcriber.capabilities;
        transcript = { backend, model, language: null, words: [], segments: [], empty: true, punctuation, wordTiming };
        await deps.db.jobEvent.create({
          data: {
            jobId,
            attempt,
            stage: "extracting_audio",
            type: "note",
            message: "The video has no audio track: captions will be empty.",
          },
        });
      }
      await saveTranscriptCheckpoint(deps.db, jobId, { transcript, audioTrack, attempt });
    }

    const captions = await run.stage("building_captions", () =>
      buildJobCaptions({ transcript, edit, options, frame: media, durationSec: media.durationSec, dir }),
    );
    const output = path.join(dir, "output.mp4");
    const { mode, thumbnail } = await run.stage("rendering", async (report) => {
      const still: { frame: Awaited<ReturnType<typeof thumbnailOf>> } = { frame: null };
      const atSec = thumbnailTimeSec(captions.cues, media.durationSec);
      const rendered = await renderVideo({
        file: input,
        media,
        audioTrack,
        srtFile: captions.cues.length > 0 ? captions.srt : null,
        assFile: captions.cues.length > 0 ? captions.ass : null,
        burnIn: options.burnIn,
        output,
        preset: deps.settings.preset,
        crf: deps.settings.crf,
        segments: deps.settings.renderSegments?.() ?? 1,
        signal,
        report,
        still: {
          atSec,
          take: async (file, offsetSec) => {
            still.frame = await thumbnailOf(run, {
              file,
              offsetSec,
              atSec,
              output: path.join(dir, "thumbnail.jpg"),
              signal,
            });
          },
        },
      });
      return { mode: rendered, thumbnail: still.frame };
    });
    const keys = await run.stage("uploading", (report) =>
      uploadOutputs(deps.storage, {
        jobId,
        files: { video: output, srt: captions.srt, vtt: captions.vtt, thumbnail: thumbnail?.file ?? null },
        signal,
        report,
      }),
    );
    await completeJob(deps, {
      row,
      options,
      attempt,
      run,
      began,
      captions,
      keys,
      thumbnail,
      transcript,
      media,
      audioTrack,
      mode,
      log,
    });
    return { outputVideoKey: keys.video };
  } catch (error) {
    // The split flow's parent waits for its children (worker/split/split-job.ts): not a failure.
    if (error instanceof WaitingChildrenError || error instanceof DelayedError) throw error;
    await run.flush();
    await handleFailure(deps, { job, token, jobId, attempt, maxAttempts, phase: run.currentPhase, log, signal }, error);
    throw error; // unreachable: handleFailure always throws
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The caption files of a job: the edited cues of a pending caption edit as they are, else cues built
 * from the transcript by the job's profile and style. Deterministic: every segment of a split job builds
 * the very cues the parent writes to SRT/VTT.
 */
export function buildJobCaptions(input: {
  transcript: Transcript;
  edit: { cues: Cue[] } | null;
  options: CaptionJobOptions;
  frame: { width: number | null; height: number | null };
  /** The whole video's duration: no cue runs past it (null: unknown). */
  durationSec: number | null;
  dir: string;
}): Promise<CaptionFiles> {
  const style = resolveCaptionStyle(input.options.style);
  const look = { style, frame: { width: input.frame.width ?? 640, height: input.frame.height ?? 360 } };
  const rules = { ...profileRules(input.options.profile ?? DEFAULT_CAPTION_PROFILE), maxLines: style.maxLines };
  const bounds = { durationSec: input.durationSec, rules };
  return input.edit
    ? writeCueFiles(input.edit.cues, input.dir, look, bounds)
    : writeCaptions(input.transcript, input.dir, rules, look, input.durationSec);
}

/**
 * Marks the job completed with its uploaded outputs, exactly once (status-guarded: a cancel that landed
 * meanwhile wins), with the `completed` event, webhooks, the quota and metrics. Shared by the single-pass
 * processor and the split flow's parent.
 */
export async function completeJob(
  deps: WorkerDeps,
  input: {
    row: { id: string; captionVersion: number; apiKeyId: string | null; submitterIpHash: string | null };
    options: CaptionJobOptions;
    attempt: number;
    run: JobRun;
    /** performance.now() or Date.now() when the attempt began, with `now` from the same clock. */
    began: number;
    now?: number;
    captions: CaptionFiles;
    keys: { video: string; srt: string; vtt: string; thumbnail: string | null };
    /** The captured thumbnail (null: none, the timeline says why). */
    thumbnail?: { atSec: number; captureMs: number } | null;
    transcript: Transcript;
    media: MediaInfo;
    audioTrack: number | null;
    mode: string;
    log: Logger;
    /** Extra facts for the completed event (e.g. the split flow's segments). */
    data?: Record<string, unknown>;
  },
): Promise<void> {
  const { row, run, captions, keys, transcript, media, log } = input;
  const jobId = row.id;
  const readability = readabilityReport(captions.cues, input.options.profile ?? DEFAULT_CAPTION_PROFILE);
  await run.flush();
  run.signal.throwIfAborted();
  await recordRenderedVersion(deps.db, jobId, row.captionVersion, {
    cues: captions.cues,
    outputs: keys,
    readability,
  });

  const processingMs = Math.round((input.now ?? performance.now()) - input.began);
  const noSpeech = captions.cues.length === 0;
  const finished = await deps.db.job.updateMany({
    where: { id: jobId, status: "processing" },
    data: {
      status: "completed",
      phase: null,
      progress: 100,
      outputVideoKey: keys.video,
      outputSrtKey: keys.srt,
      outputVttKey: keys.vtt,
      thumbnailKey: keys.thumbnail,
      durationSec: media.durationSec,
      detectedLanguage: transcript.language,
      transcriber: transcriberRecord(transcript),
      noSpeech,
      cueCount: captions.cues.length,
      readability: { ...readability },
      processingMs,
      finishedAt: new Date(),
    },
  });
  if (finished.count === 0) throw new CancelRequested();
  await deps.db.jobEvent.create({
    data: {
      jobId,
      attempt: input.attempt,
      type: "completed",
      durationMs: processingMs,
      message: noSpeech
        ? "Completed: no speech was found, captions are empty."
        : `Completed: ${captions.cues.length} captions (${input.mode})${row.captionVersion > 1 ? `, version ${row.captionVersion}` : ""}.`,
      data: JSON.parse(
        JSON.stringify({
          ...transcriberRecord(transcript),
          ...(transcript.alignment ? { alignment: transcript.alignment } : {}),
          mode: input.mode,
          audioTrack: input.audioTrack,
          thumbnail: input.thumbnail ? { atSec: input.thumbnail.atSec, captureMs: input.thumbnail.captureMs } : null,
          media,
          timings: run.timings,
          ...input.data,
        }),
      ),
    },
  });
  log.info({ processingMs, cues: captions.cues.length, mode: input.mode }, "job completed");
  await deps.onFinalStatus?.(jobId);
  // The quota is a limit on future submissions: a count that cannot be written is logged, never a failure.
  await deps.recordMediaUsage?.(row, media.durationSec).catch((error: unknown) => {
    log.warn({ err: (error as Error).message }, "media minutes not counted against the quota");
  });
  deps.onOutcome?.({ status: "completed", timings: run.timings });
}

/**
 * A thumbnail is a nicety: when its capture fails (or takes too long) the job completes without one, and
 * the timeline says why. Cancel and shutdown still stop the job.
 */
export async function thumbnailOf(
  run: JobRun,
  input: {
    /** The rendered picture: the output, or a slice of it starting `offsetSec` into the output (default 0). */
    file: string;
    offsetSec?: number;
    /** Where in the output the frame is. */
    atSec: number;
    output: string;
    signal: AbortSignal;
  },
): Promise<{ file: string; atSec: number; captureMs: number } | null> {
  const started = performance.now();
  try {
    await captureThumbnail({ ...input, atSec: input.atSec - (input.offsetSec ?? 0) });
    const captureMs = Math.round(performance.now() - started);
    run.log.info({ atSec: input.atSec, captureMs }, "thumbnail captured");
    return { file: input.output, atSec: input.atSec, captureMs };
  } catch (error) {
    input.signal.throwIfAborted();
    const detail = error instanceof JobError ? error.detail : { error: String((error as Error)?.message ?? error) };
    const tail = typeof detail.stderrTail === "string" ? detail.stderrTail.trim().split("\n").at(-1) : undefined;
    run.log.warn({ err: detail.error ?? tail, code: (error as JobError).code }, "thumbnail not captured");
    await run.note(
      "rendering",
      "No thumbnail: capturing a frame of the rendered video failed; the job goes on without one.",
      {
        atSec: input.atSec,
        ...(error instanceof JobError ? { code: error.code } : {}),
        ...(detail.error ? { error: String(detail.error) } : {}),
        ...(tail ? { stderr: tail } : {}),
      },
    );
    return null;
  }
}

/** What the job row keeps about the recogniser (the public result shows it). */
function transcriberRecord(transcript: Transcript): StoredTranscriber {
  const { backend, model, punctuation, wordTiming } = transcript;
  return { backend, model, punctuation, wordTiming };
}

// JSON has no -Infinity: digital silence is written as null dB.
function levelForJson(level: { index: number; maxVolumeDb: number }) {
  return { index: level.index, maxVolumeDb: Number.isFinite(level.maxVolumeDb) ? level.maxVolumeDb : null };
}

export interface FailureContext {
  job: Job<CaptionJobPayload>;
  token: string | undefined;
  jobId: string;
  attempt: number;
  maxAttempts: number;
  phase: string | null;
  log: Logger;
  signal: AbortSignal;
}

/** Records the failure in Postgres and tells BullMQ what to do next (retry, stop, or hand the job back). */
export async function handleFailure(deps: WorkerDeps, ctx: FailureContext, error: unknown): Promise<never> {
  const { db } = deps;
  const reason = ctx.signal.aborted ? ctx.signal.reason : error;

  if (reason instanceof ShutdownRequested) {
    // Hand the job back so another worker starts it over; it is not a failed attempt.
    await db.job.updateMany({
      where: { id: ctx.jobId, status: "processing" },
      data: { status: "queued", phase: null, progress: 0, attempts: { decrement: 1 } },
    });
    await db.jobEvent.create({
      data: {
        jobId: ctx.jobId,
        attempt: ctx.attempt,
        stage: ctx.phase,
        type: "requeued",
        message: "The worker shut down before the job finished; it was handed back to the queue.",
      },
    });
    await ctx.job.moveToWait(ctx.token);
    ctx.log.warn({ phase: ctx.phase }, "job handed back to the queue (shutdown)");
    deps.onOutcome?.({ status: "requeued" });
    throw new WaitingError();
  }

  if (reason instanceof CancelRequested) {
    // The admin action already wrote `canceled`; make sure the row says so and stop retries.
    // Only a row still "processing": if an admin already retried it (queued again), the new run stands.
    const canceled = await db.job.updateMany({
      where: { id: ctx.jobId, status: "processing" },
      data: canceledState(),
    });
    await db.jobEvent.create({
      data: {
        jobId: ctx.jobId,
        attempt: ctx.attempt,
        stage: ctx.phase,
        type: "canceled",
        message: "Stopped by cancel; child processes were killed.",
      },
    });
    ctx.log.info({ phase: ctx.phase }, "job canceled");
    // Normally the console already wrote `canceled` (and announced it); only a status written here is news.
    if (canceled.count > 0) await deps.onFinalStatus?.(ctx.jobId);
    deps.onOutcome?.({ status: "canceled", code: "CANCELED" });
    throw new UnrecoverableError("canceled");
  }

  const jobError =
    error instanceof JobError
      ? error
      : new JobError("INTERNAL", { cause: error, detail: { error: String((error as Error)?.message ?? error) } });
  const detail = {
    ...jobError.detail,
    stage: jobError.detail.stage ?? ctx.phase,
    attempt: ctx.attempt,
    maxAttempts: ctx.maxAttempts,
  };
  const final = !jobError.retryable || ctx.attempt >= ctx.maxAttempts;
  ctx.log.warn(
    { code: jobError.code, phase: ctx.phase, final, err: error instanceof JobError ? undefined : error },
    "job attempt failed",
  );

  if (final) {
    const failed = await db.job.updateMany({
      where: { id: ctx.jobId, status: "processing" },
      data: {
        status: "failed",
        phase: null,
        errorCode: jobError.code,
        errorMessage: jobError.publicMessage,
        errorDetail: detail as object,
        finishedAt: new Date(),
      },
    });
    await db.jobEvent.create({
      data: {
        jobId: ctx.jobId,
        attempt: ctx.attempt,
        stage: ctx.phase,
        type: "failed",
        message: `${jobError.code}: ${jobError.publicMessage}`,
        data: detail as object,
      },
    });
    if (failed.count > 0) await deps.onFinalStatus?.(ctx.jobId);
    deps.onOutcome?.({ status: "failed", code: jobError.code });
    throw new UnrecoverableError(`${jobError.code}: ${jobError.publicMessage}`);
  }

  const delayMs = nextBackoffMs(ctx.job);
  await db.job.updateMany({
    where: { id: ctx.jobId, status: "processing" },
    data: {
      phase: "retrying",
      errorCode: jobError.code,
      errorMessage: jobError.publicMessage,
      errorDetail: detail as object,
    },
  });
  await db.jobEvent.create({
    data: {
      jobId: ctx.jobId,
      attempt: ctx.attempt,
      stage: ctx.phase,
      type: "retrying",
      message: `${jobError.code}: ${jobError.publicMessage} — retrying in ${Math.round(delayMs / 1000)} s`,
      data: detail as object,
    },
  });
  deps.onOutcome?.({ status: "retrying", code: jobError.code });
  throw jobError;
}

/** The delay BullMQ's exponential backoff will apply before the next attempt (for the timeline). */
function nextBackoffMs(job: Job): number {
  const backoff = job.opts.backoff;
  const delay = typeof backoff === "number" ? backoff : (backoff?.delay ?? 0);
  const type = typeof backoff === "object" ? backoff.type : "fixed";
  return type === "exponential" ? delay * 2 ** job.attemptsMade : delay;
}
