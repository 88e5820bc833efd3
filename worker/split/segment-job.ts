import { rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { type Job, UnrecoverableError, WaitingError } from "bullmq";
import { JobError } from "../../lib/error-codes";
import { captionJobOptionsSchema, type SegmentJobPayload, segmentJobPayload } from "../../lib/job-contract";
import { pendingCaptionEdit } from "../../lib/jobs/caption-versions";
import { loadTranscriptCheckpoint } from "../../lib/jobs/transcript-checkpoint";
import { splitWorkKey } from "../../lib/storage/keys";
import { CancelRequested, ShutdownRequested } from "../cancel-reasons";
import { createJobDir } from "../job-dirs";
import { PHASE_SPANS } from "../job-run";
import { buildJobCaptions, type WorkerDeps } from "../process-caption-job";
import { probeMedia } from "../stages/probe";
import { renderVideo } from "../stages/render";
import { audioWindow } from "./plan-segments";
import { OVERLAP_SEC } from "./split-job";
import { downloadWork, uploadWork } from "./work-files";

// One segment of a split job (worker/split/split-job.ts), on any worker: recognise its audio window, or
// burn the job's captions into its picture at its own place in time. Its row in JobSegment says how it
// went; a failure retries this segment alone (BullMQ backoff); one that fails for good wakes the parent,
// which fails the job with the segment's code. A cancel of the job kills its children (worker/index.ts).

const PROGRESS_WRITE_INTERVAL_MS = 1_000;
const WORKER_NAME = `${hostname()}:${process.pid}`;

export async function processSegmentJob(
  deps: WorkerDeps,
  job: Job<SegmentJobPayload>,
  token: string | undefined,
  signal: AbortSignal,
): Promise<{ index: number } | { skipped: string }> {
  const parsed = segmentJobPayload.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid payload: ${parsed.error.issues[0]?.message}`);
  const { jobId, run, index, step } = parsed.data;
  const log = deps.log.child({ jobId, segment: index, step, attempt: job.attemptsMade + 1 });
  const row = await deps.db.job.findUnique({ where: { id: jobId } });
  const segment = await deps.db.jobSegment.findUnique({ where: { jobId_index: { jobId, index } } });
  if (!row || !segment || row.status !== "processing") {
    // Canceled (or finished) meanwhile: nothing to do; the parent cleans up.
    if (segment) await deps.db.jobSegment.updateMany({ where: { jobId, index }, data: { status: "canceled" } });
    return { skipped: row?.status ?? "missing" };
  }
  const attempt = job.attemptsMade + 1;
  const maxAttempts = job.opts.attempts ?? 1;
  const options = captionJobOptionsSchema.parse(row.options ?? {});
  const durationSec = row.durationSec ?? segment.endSec;
  await deps.db.jobSegment.update({
    where: { jobId_index: { jobId, index } },
    data: {
      status: step === "transcribe" ? "transcribing" : "rendering",
      attempts: attempt,
      worker: WORKER_NAME,
      progress: 0,
      errorCode: null,
    },
  });
  const report = progressReporter(deps, jobId, index, step === "transcribe" ? "transcribing" : "rendering");
  const started = performance.now();
  let dir: string | undefined;
  try {
    dir = await createJobDir(deps.settings.tmpDir ?? tmpdir());
    if (step === "transcribe") {
      const window = audioWindow(segment, durationSec, OVERLAP_SEC);
      const wav = path.join(dir, "audio.wav");
      await downloadWork(deps.storage, splitWorkKey(jobId, run, `audio-${index}.wav`), wav, signal);
      const transcript = await deps.transcriber.transcribe({
        wavPath: wav,
        durationSec: window.endSec - window.startSec,
        workDir: dir,
        language: options.language,
        signal,
        onProgress: report,
      });
      await deps.db.jobSegment.update({
        where: { jobId_index: { jobId, index } },
        data: {
          status: "transcribed",
          progress: 1,
          transcribeMs: Math.round(performance.now() - started),
          transcript: JSON.parse(JSON.stringify({ offsetSec: window.startSec, transcript })),
        },
      });
    } else {
      const file = path.join(dir, "segment.mp4");
      await downloadWork(deps.storage, splitWorkKey(jobId, run, `seg-${index}.mp4`), file, signal);
      const media = await probeMedia(file, { maxDurationSec: Number.MAX_SAFE_INTEGER, signal });
      const checkpoint = await loadTranscriptCheckpoint(deps.db, jobId);
      if (!checkpoint)
        throw new JobError("INTERNAL", { detail: { stage: "rendering", error: "no transcript checkpoint" } });
      const edit = await pendingCaptionEdit(deps.db, jobId, row.captionVersion);
      // The whole video's captions, built exactly as the parent builds its SRT/VTT; drawn at this
      // segment's own time, so a cue across the seam is split pixel-exactly between two segments.
      const captions = await buildJobCaptions({
        transcript: checkpoint.transcript,
        edit,
        options,
        frame: media,
        // The whole video's end (the parent probed it), not this segment's: every segment fits the same cues.
        durationSec: row.durationSec,
        dir,
      });
      const output = path.join(dir, "rendered.mp4");
      await renderVideo({
        file,
        media,
        audioTrack: null,
        srtFile: captions.cues.length > 0 ? captions.srt : null,
        assFile: captions.cues.length > 0 ? captions.ass : null,
        burnIn: true,
        timeOffsetSec: segment.startSec,
        output,
        preset: deps.settings.preset,
        crf: deps.settings.crf,
        signal,
        report,
      });
      await uploadWork(deps.storage, splitWorkKey(jobId, run, `rendered-${index}.mp4`), output, signal);
      await deps.db.jobSegment.update({
        where: { jobId_index: { jobId, index } },
        data: { status: "completed", progress: 1, renderMs: Math.round(performance.now() - started) },
      });
    }
    log.info({ ms: Math.round(performance.now() - started) }, "segment done");
    return { index };
  } catch (error) {
    const reason = signal.aborted ? signal.reason : error;
    if (reason instanceof ShutdownRequested) {
      await deps.db.jobSegment.updateMany({ where: { jobId, index }, data: { status: "queued", progress: 0 } });
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (reason instanceof CancelRequested) {
      await deps.db.jobSegment.updateMany({ where: { jobId, index }, data: { status: "canceled" } });
      log.info("segment canceled");
      throw new UnrecoverableError("canceled");
    }
    const jobError =
      error instanceof JobError
        ? error
        : new JobError("INTERNAL", { cause: error, detail: { error: String((error as Error)?.message ?? error) } });
    const final = !jobError.retryable || attempt >= maxAttempts;
    log.warn(
      { code: jobError.code, final, err: error instanceof JobError ? undefined : error },
      "segment attempt failed",
    );
    await deps.db.jobSegment.updateMany({
      where: { jobId, index },
      data: { status: final ? "failed" : "retrying", errorCode: jobError.code },
    });
    const delaySec = Math.round((5_000 * 2 ** job.attemptsMade) / 1000);
    await deps.db.jobEvent.create({
      data: {
        jobId,
        attempt: row.attempts,
        stage: step === "transcribe" ? "transcribing" : "rendering",
        type: "note",
        message: final
          ? `Segment ${index + 1} failed for good on attempt ${attempt} of ${maxAttempts}: ${jobError.code}.`
          : `Segment ${index + 1} failed on attempt ${attempt} of ${maxAttempts} (${jobError.code}); retrying that segment alone in ${delaySec} s.`,
        data: { segment: index, attempt, code: jobError.code, ...jobError.detail },
      },
    });
    if (final) throw new UnrecoverableError(`${jobError.code}: ${jobError.publicMessage}`);
    throw jobError;
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The segment's progress (0..1, at most one write a second) and the job's: the parent row's phase span,
 * filled by the mean progress of all its segments. Never backwards.
 */
function progressReporter(deps: WorkerDeps, jobId: string, index: number, phase: "transcribing" | "rendering") {
  let last = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const [from, to] = PHASE_SPANS[phase];
  return (fraction: number) => {
    const now = Date.now();
    if (now - last < PROGRESS_WRITE_INTERVAL_MS) return;
    last = now;
    const value = Math.min(1, Math.max(0, fraction));
    pending = pending
      .then(async () => {
        await deps.db.jobSegment.updateMany({
          where: { jobId, index, progress: { lt: value } },
          data: { progress: value },
        });
        const { _avg } = await deps.db.jobSegment.aggregate({ where: { jobId }, _avg: { progress: true } });
        const overall = Math.floor(from + (to - from) * (_avg.progress ?? 0));
        await deps.db.job.updateMany({
          where: { id: jobId, status: "processing", phase, progress: { lt: overall } },
          data: { progress: overall },
        });
      })
      .catch((error: unknown) =>
        deps.log.warn({ jobId, err: (error as Error).message }, "segment progress write failed"),
      );
  };
}
