import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { DelayedError, type Job, type Queue, UnrecoverableError, WaitingChildrenError, WaitingError } from "bullmq";
import type { Logger } from "pino";
import { JOB_ERRORS, JobError, type JobErrorCode } from "../../lib/error-codes";
import { Prisma } from "../../lib/generated/prisma/client";
import {
  type CaptionJobOptions,
  type CaptionJobPayload,
  captionJobOptionsSchema,
  type SegmentJobPayload,
  type SplitState,
  segmentJobDefaults,
} from "../../lib/job-contract";
import { pendingCaptionEdit } from "../../lib/jobs/caption-versions";
import { deleteJobWork } from "../../lib/jobs/job-objects";
import { loadTranscriptCheckpoint, saveTranscriptCheckpoint } from "../../lib/jobs/transcript-checkpoint";
import { splitWorkKey } from "../../lib/storage/keys";
import { ShutdownRequested } from "../cancel-reasons";
import { createJobDir } from "../job-dirs";
import { JobRun, PHASE_SPANS } from "../job-run";
import { buildJobCaptions, completeJob, handleFailure, thumbnailOf, type WorkerDeps } from "../process-caption-job";
import { chooseAudioTrack } from "../stages/audio-track";
import { extractAudio } from "../stages/extract-audio";
import type { MediaInfo } from "../stages/probe";
import { joinSegments } from "../stages/render";
import { thumbnailTimeSec } from "../stages/thumbnail";
import { uploadOutputs } from "../stages/upload-outputs";
import type { Transcript } from "../transcribe/types";
import { audioWindow, planCuts, type SegmentBounds, segmentBounds } from "./plan-segments";
import {
  type AudioContainer,
  audioContainerDemuxer,
  copyAudioTrack,
  cutVideo,
  fileDurationSec,
  keyframeTimes,
  sliceWav,
} from "./segment-media";
import { stitchTranscripts } from "./stitch-transcripts";
import { downloadWork, uploadWork } from "./work-files";

// The parent of a split job (docs/scaling.md): a long video becomes a BullMQ flow. The parent runs in the
// caption queue like any job: download, probe, cut at keyframes, upload the segments, queue one child per
// segment (SEGMENT_QUEUE, any worker) and wait (BullMQ's step pattern: moveToWaitingChildren +
// WaitingChildrenError, the step kept in the job's data). Two rounds of children: recognition (each hears
// its segment plus OVERLAP_SEC of its neighbours), then, after the parent stitched one transcript and
// checkpointed it, rendering (each burns the whole video's captions into its segment at its own time).
// Two rounds rather than one cost a barrier, but captions are built once from the whole transcript:
// a cue may span a seam, exactly as in a single-pass render. The parent then joins the segments without
// re-encoding, muxes the original audio once, uploads and completes the row as the single path does.

/** Seconds of each neighbour a segment's recogniser also hears, so no word is cut at a seam. */
export const OVERLAP_SEC = 2;

export interface SplitSettings {
  /** Videos longer than this are split (SPLIT_MIN_SEC); 0 never splits. */
  minSec: number;
  /** Target segment length (SPLIT_SEGMENT_SEC): the video is cut into about duration ÷ this equal parts. */
  segmentSec: number;
  /** Where children are queued. */
  segmentQueue: Queue<SegmentJobPayload>;
}

/** Whether a probed input goes through the split flow: long enough, and burned in (soft subtitles copy the picture). */
export function shouldSplit(media: MediaInfo, options: CaptionJobOptions, settings: SplitSettings): boolean {
  return settings.minSec > 0 && options.burnIn && media.durationSec > settings.minSec;
}

/** What the parent keeps between its steps (in storage: the steps may run on different workers). */
interface SplitPlan {
  media: MediaInfo;
  audioTrack: number | null;
  audioContainer: AudioContainer | null;
  segments: SegmentBounds[];
}

type SegmentStep = SegmentJobPayload["step"];

interface StartContext {
  job: Job<CaptionJobPayload>;
  token: string | undefined;
  row: { id: string; captionVersion: number };
  options: CaptionJobOptions;
  media: MediaInfo;
  input: string;
  dir: string;
  attempt: number;
  run: JobRun;
  log: Logger;
  signal: AbortSignal;
}

/**
 * Cuts the input into segments, uploads them and queues the first round of children; ends the attempt
 * with WaitingChildrenError. Returns (and the single path carries on) only when the video has too few
 * keyframes to cut.
 */
export async function startSplitJob(deps: WorkerDeps, ctx: StartContext): Promise<void> {
  const { row, options, media, input, dir, run, signal } = ctx;
  const settings = deps.split as SplitSettings;
  const jobId = row.id;
  const keyframes = await keyframeTimes({
    file: input,
    demuxer: media.demuxer,
    durationSec: media.durationSec,
    signal,
  });
  const cuts = planCuts(keyframes, media.durationSec, settings.segmentSec);
  if (cuts.length === 0) {
    await deps.db.jobEvent.create({
      data: {
        jobId,
        attempt: ctx.attempt,
        stage: "probing",
        type: "note",
        message: "Too few keyframes to split the video: rendered in one pass.",
      },
    });
    return;
  }
  const splitRun = randomBytes(6).toString("base64url");
  // Until the children are queued, only this attempt knows the run's id: on any error before that (a cancel
  // in the instant between the uploads and the queueing, storage or Postgres failing) the files go now;
  // the job's next attempt starts a new run.
  const children = { queued: false };
  try {
    await startRun();
  } catch (error) {
    if (!children.queued) await deleteWork(deps, jobId);
    throw error;
  }

  async function startRun(): Promise<void> {
    const checkpoint = await loadTranscriptCheckpoint(deps.db, jobId);
    const edit = checkpoint ? await pendingCaptionEdit(deps.db, jobId, row.captionVersion) : null;
    let audioTrack: number | null;
    let wav: string | null = null;
    if (checkpoint) {
      audioTrack = checkpoint.audioTrack;
      // The same words as the single path's (process-caption-job.ts): the timeline reads alike either way.
      const message = edit
        ? `Rendering edited captions (version ${edit.version}): no recognition.`
        : `Reusing the transcript of attempt ${checkpoint.attempt} (${checkpoint.transcript.backend}).`;
      await run.skip("extracting_audio", message, { fromAttempt: checkpoint.attempt });
      await run.skip("transcribing", message, {
        fromAttempt: checkpoint.attempt,
        backend: checkpoint.transcript.backend,
      });
    } else {
      const choice = await chooseAudioTrack({ file: input, media, requested: options.audioTrack, signal });
      audioTrack = choice?.index ?? null;
      if (choice) {
        wav = await run.stage("extracting_audio", (report) =>
          extractAudio({
            file: input,
            demuxer: media.demuxer,
            track: choice.index,
            workDir: dir,
            durationSec: media.durationSec,
            signal,
            report,
          }),
        );
      } else {
        // No audio: nothing to recognise; the checkpoint says so, and the segments are only copied through.
        const { backend, model, punctuation, wordTiming } = deps.transcriber.capabilities;
        const empty: Transcript = {
          backend,
          model,
          language: null,
          words: [],
          segments: [],
          empty: true,
          punctuation,
          wordTiming,
        };
        await saveTranscriptCheckpoint(deps.db, jobId, { transcript: empty, audioTrack: null, attempt: ctx.attempt });
      }
    }

    // Files an earlier run of this job left behind (its worker killed mid-run) are never read again.
    await deleteWork(deps, jobId);
    const plan = await run.stage("splitting", async (report) => {
      const cutDir = path.join(dir, "segments");
      await rm(cutDir, { recursive: true, force: true });
      await mkdir(cutDir);
      const files = await cutVideo({
        file: input,
        demuxer: media.demuxer,
        cuts,
        dir: cutDir,
        durationSec: media.durationSec,
        signal,
      });
      const lengths = await Promise.all(files.map((file) => fileDurationSec(file, signal)));
      const segments = segmentBounds(cuts, media.durationSec, lengths);
      const uploads: [string, string][] = files.map((file, i) => [file, `seg-${i}.mp4`]);
      if (wav) {
        for (const segment of segments) {
          const window = audioWindow(segment, media.durationSec, OVERLAP_SEC);
          const slice = path.join(cutDir, `audio-${segment.index}.wav`);
          await sliceWav(wav, window.startSec, window.endSec, slice);
          uploads.push([slice, `audio-${segment.index}.wav`]);
        }
      }
      let audioContainer: AudioContainer | null = null;
      const track = audioTrack === null ? undefined : media.audioTracks[audioTrack];
      if (track && audioTrack !== null) {
        const file = path.join(cutDir, "audio.track");
        audioContainer = await copyAudioTrack({
          file: input,
          demuxer: media.demuxer,
          track: audioTrack,
          codec: track.codec,
          out: file,
          durationSec: media.durationSec,
          signal,
        });
        uploads.push([file, "audio.track"]);
      }
      const plan: SplitPlan = { media, audioTrack, audioContainer, segments };
      const planFile = path.join(cutDir, "plan.json");
      await writeFile(planFile, JSON.stringify(plan));
      uploads.push([planFile, "plan.json"]);
      for (const [index, [file, name]] of uploads.entries()) {
        await uploadWork(deps.storage, splitWorkKey(jobId, splitRun, name), file, signal);
        report((index + 1) / uploads.length);
      }
      // Postgres is the record of the segments: rewritten for this run, shown by the console.
      await deps.db.$transaction([
        deps.db.jobSegment.deleteMany({ where: { jobId } }),
        deps.db.jobSegment.createMany({
          data: segments.map((s) => ({ jobId, index: s.index, startSec: s.startSec, endSec: s.endSec })),
        }),
      ]);
      return plan;
    });
    await deps.db.jobEvent.create({
      data: {
        jobId,
        attempt: ctx.attempt,
        stage: "splitting",
        type: "note",
        message: `Split into ${plan.segments.length} segments at keyframes (${plan.segments.map((s) => formatTime(s.startSec)).join(", ")}); each runs on any worker.`,
        data: { run: splitRun, segments: plan.segments.map((s) => ({ ...s })) },
      },
    });
    const began = Date.now() - Math.round(run.timings.reduce((n, t) => n + t.durationMs, 0));
    if (checkpoint) {
      await run.stage("building_captions", () =>
        buildJobCaptions({
          transcript: checkpoint.transcript,
          edit,
          options,
          frame: media,
          durationSec: media.durationSec,
          dir,
        }),
      );
    }
    await queueStep(
      deps,
      ctx.job,
      ctx.token,
      {
        step: checkpoint || !wav ? "rendering" : "transcribing",
        run: splitRun,
        since: Date.now(),
        began,
      },
      plan.segments.length,
      ctx.log,
      signal,
      children,
    );
  }
}

/**
 * Queues one child per segment for `state.step` and parks the parent until they are all done.
 * `children.queued` turns true once they are in the queue: from then on they read the run's files.
 */
async function queueStep(
  deps: WorkerDeps,
  job: Job<CaptionJobPayload>,
  token: string | undefined,
  state: SplitState,
  count: number,
  log: Logger,
  signal: AbortSignal,
  children?: { queued: boolean },
): Promise<never> {
  const settings = deps.split as SplitSettings;
  const jobId = job.data.jobId;
  const step: SegmentStep = state.step === "transcribing" ? "transcribe" : "render";
  await deps.db.jobSegment.updateMany({
    where: { jobId },
    data: { status: "queued", progress: 0, attempts: 0, errorCode: null },
  });
  await deps.db.job.updateMany({
    where: { id: jobId, status: "processing" },
    data: { phase: state.step, progress: { set: PHASE_SPANS[state.step][0] } },
  });
  signal.throwIfAborted();
  // Ids are ours and deterministic: a parent that re-runs this step after a crash adds nothing twice.
  await settings.segmentQueue.addBulk(
    Array.from({ length: count }, (_, index) => ({
      name: step,
      data: { jobId, run: state.run, index, step },
      opts: {
        ...segmentJobDefaults(),
        jobId: `${job.id}.${state.run}.${step}.${index}`,
        parent: { id: job.id as string, queue: job.queueQualifiedName },
        // A segment that fails for good does not fail the parent in Redis behind Postgres's back: the
        // parent wakes up, reads the segment's error from its row, and fails the job with that code.
        ignoreDependencyOnFailure: true,
      },
    })),
  );
  if (children) children.queued = true;
  await job.updateData({ jobId, split: state });
  log.info({ step: state.step, segments: count }, "split job waiting for its segments");
  if (!token || (await job.moveToWaitingChildren(token))) throw new WaitingChildrenError();
  // Every child finished before the parent could park itself: it comes back (to this step) in a second.
  await job.moveToDelayed(Date.now() + 1_000, token);
  throw new DelayedError();
}

/** A split job's parent, woken after a round of children finished (or retried after a failed step). */
export async function resumeSplitJob(
  deps: WorkerDeps,
  ctx: { job: Job<CaptionJobPayload>; token: string | undefined; state: SplitState; log: Logger; signal: AbortSignal },
): Promise<{ outputVideoKey: string } | { skipped: string }> {
  const { job, token, state, log, signal } = ctx;
  const jobId = job.data.jobId;
  const row = await deps.db.job.findUnique({ where: { id: jobId } });
  const segments = await deps.db.jobSegment.findMany({ where: { jobId }, orderBy: { index: "asc" } });
  if (row?.status !== "processing") {
    // Canceled (or reaped) while the children ran: they stopped; only their files are left to delete.
    await deleteWork(deps, jobId);
    log.info({ status: row?.status }, "split job no longer processing; cleaned up");
    return { skipped: row?.status ?? "missing" };
  }
  const attempt = row.attempts;
  const options = captionJobOptionsSchema.parse(row.options ?? {});
  const run = new JobRun(deps.db, jobId, attempt, log, signal, (p) => void job.updateProgress(p).catch(() => {}));
  let dir: string | undefined;
  try {
    dir = await createJobDir(deps.settings.tmpDir ?? tmpdir());
    const failed = segments.find((s) => s.status === "failed" || s.status === "canceled");
    if (failed) {
      const code = (failed.errorCode ?? "INTERNAL") as JobErrorCode;
      throw new SegmentFailed(code in JOB_ERRORS ? code : "INTERNAL", failed.index, state.step);
    }
    const planFile = path.join(dir, "plan.json");
    await downloadWork(deps.storage, splitWorkKey(jobId, state.run, "plan.json"), planFile, signal);
    const plan = JSON.parse(await readFile(planFile, "utf8")) as SplitPlan;
    const workers = new Set(segments.map((s) => s.worker)).size;
    const stepMs = Date.now() - state.since;
    await deps.db.jobEvent.create({
      data: {
        jobId,
        attempt,
        stage: state.step,
        type: "stage_completed",
        durationMs: stepMs,
        message: `${segments.length} segments on ${workers} worker${workers === 1 ? "" : "s"}.`,
        data: {
          segments: segments.map((s) => ({
            index: s.index,
            worker: s.worker,
            attempts: s.attempts,
            ms: state.step === "transcribing" ? s.transcribeMs : s.renderMs,
          })),
        },
      },
    });

    if (state.step === "transcribing") {
      // A parent that crashed after checkpointing (and clearing the segments' copies) takes the checkpoint.
      let transcript: Transcript | undefined = (await loadTranscriptCheckpoint(deps.db, jobId))?.transcript;
      if (!transcript) {
        const parts = segments.map((s) => {
          const saved = s.transcript as unknown as { offsetSec: number; transcript: Transcript } | null;
          if (!saved) {
            throw new JobError("INTERNAL", {
              detail: { stage: "transcribing", segment: s.index, error: "segment has no transcript" },
            });
          }
          return { startSec: s.startSec, offsetSec: saved.offsetSec, transcript: saved.transcript };
        });
        transcript = stitchTranscripts(parts, OVERLAP_SEC);
        await saveTranscriptCheckpoint(deps.db, jobId, { transcript, audioTrack: plan.audioTrack, attempt });
      }
      // Stitched and checkpointed: the segments' own copies are no longer needed.
      await deps.db.jobSegment.updateMany({ where: { jobId }, data: { transcript: Prisma.DbNull } });
      const stitched = transcript;
      const workDir = dir;
      await run.stage("building_captions", () =>
        buildJobCaptions({
          transcript: stitched,
          edit: null,
          options,
          frame: plan.media,
          durationSec: plan.media.durationSec,
          dir: workDir,
        }),
      );
      await queueStep(
        deps,
        job,
        token,
        { ...state, step: "rendering", since: Date.now() },
        segments.length,
        log,
        signal,
      );
    }

    // Rendering finished: join the segments without re-encoding, put the sound back, upload, complete.
    const checkpoint = await loadTranscriptCheckpoint(deps.db, jobId);
    if (!checkpoint)
      throw new JobError("INTERNAL", { detail: { stage: "rendering", error: "no transcript checkpoint" } });
    const edit = await pendingCaptionEdit(deps.db, jobId, row.captionVersion);
    const workDir = dir;
    const captions = await buildJobCaptions({
      transcript: checkpoint.transcript,
      edit,
      options,
      frame: plan.media,
      durationSec: plan.media.durationSec,
      dir: workDir,
    });
    const rendered: string[] = [];
    for (const segment of plan.segments) {
      const file = path.join(workDir, `rendered-${segment.index}.mp4`);
      await downloadWork(deps.storage, splitWorkKey(jobId, state.run, `rendered-${segment.index}.mp4`), file, signal);
      rendered.push(file);
    }
    let audio: Parameters<typeof joinSegments>[0]["audio"] = null;
    const track = plan.audioTrack === null ? undefined : plan.media.audioTracks[plan.audioTrack];
    if (track && plan.audioContainer) {
      const file = path.join(workDir, "audio.track");
      await downloadWork(deps.storage, splitWorkKey(jobId, state.run, "audio.track"), file, signal);
      const demuxer = audioContainerDemuxer(plan.audioContainer);
      audio = { file, demuxer, track: 0, codec: track.codec, language: track.language };
    }
    const output = path.join(workDir, "output.mp4");
    const concatStarted = performance.now();
    await joinSegments({
      segments: rendered,
      audio,
      list: path.join(workDir, "segments.txt"),
      output,
      durationSec: plan.media.durationSec,
      signal,
    });
    const concatMs = Math.round(performance.now() - concatStarted);
    const thumbnail = await thumbnailOf(run, {
      file: output,
      atSec: thumbnailTimeSec(captions.cues, plan.media.durationSec),
      output: path.join(workDir, "thumbnail.jpg"),
      signal,
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
      began: state.began,
      now: Date.now(),
      captions,
      keys,
      thumbnail,
      transcript: checkpoint.transcript,
      media: plan.media,
      audioTrack: plan.audioTrack,
      mode: captions.cues.length > 0 ? "burn-in" : "copy",
      log,
      data: {
        split: {
          segments: plan.segments.length,
          workers: new Set(segments.map((s) => s.worker)).size,
          concatMs,
          host: hostname(),
        },
      },
    });
    await deleteWork(deps, jobId);
    return { outputVideoKey: keys.video };
  } catch (error) {
    if (error instanceof WaitingChildrenError || error instanceof DelayedError) throw error;
    await run.flush();
    if (signal.aborted && signal.reason instanceof ShutdownRequested) {
      // Hand the step back as it is (the row stays processing, the segments' work is kept): whichever
      // worker takes it resumes this very step.
      await job.moveToWait(token);
      log.warn({ step: state.step }, "split job step handed back to the queue (shutdown)");
      throw new WaitingError();
    }
    const segmentFailed = error instanceof SegmentFailed;
    try {
      await handleFailure(
        deps,
        {
          job,
          token,
          jobId,
          attempt,
          // A segment that failed for good already spent its own retries: the job fails now.
          maxAttempts: segmentFailed ? attempt : (job.opts.attempts ?? 1),
          phase: run.currentPhase ?? state.step,
          log,
          signal,
        },
        segmentFailed ? error.jobError : error,
      );
    } catch (thrown) {
      // Final (failed or canceled): the run's files go. A retry of this step still needs them.
      if (thrown instanceof UnrecoverableError) await deleteWork(deps, jobId);
      throw thrown;
    }
    throw error;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** A segment failed for good (its own retries spent): the job fails with the segment's code. */
class SegmentFailed extends Error {
  readonly jobError: JobError;
  constructor(code: JobErrorCode, index: number, step: string) {
    super(`segment ${index} failed: ${code}`);
    this.jobError = new JobError(code, { detail: { stage: step, segment: index } });
  }
}

/**
 * Deletes the job's intermediate files: this run's and any an earlier run left behind (a worker killed
 * mid-run, a cancel that removed the flow from Redis). A best effort on every final path: a failure is
 * logged, and retention's expiry lists the same prefix again later (lib/jobs/job-objects.ts).
 */
async function deleteWork(deps: WorkerDeps, jobId: string): Promise<void> {
  try {
    await deleteJobWork(deps.storage, jobId);
  } catch (error) {
    deps.log.warn(
      { jobId, err: (error as Error).message },
      "split work files not deleted; retention removes them later",
    );
  }
}

function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, "0")}`;
}
