import type { Logger } from "pino";
import type { Prisma, PrismaClient } from "../lib/db";

// Phases inside `processing` and their share of the progress bar (docs/job-lifecycle.md).
export const PHASE_SPANS = {
  downloading: [0, 5],
  probing: [5, 7],
  extracting_audio: [7, 12],
  transcribing: [12, 55],
  building_captions: [55, 57],
  rendering: [57, 95],
  uploading: [95, 100],
} as const satisfies Record<string, readonly [number, number]>;

export type Phase = keyof typeof PHASE_SPANS;

/** At most one progress write per second per job: Postgres sees ~1 write/s, the UI still moves smoothly. */
const PROGRESS_WRITE_INTERVAL_MS = 1_000;

export interface StageTiming {
  phase: Phase;
  durationMs: number;
}

/**
 * One attempt of one job: moves `phase`/`progress` in the row (throttled, never backwards within the
 * attempt), and records a timeline event with the duration of every finished stage.
 */
export class JobRun {
  private progress = 0;
  private lastWrite = 0;
  private pendingWrite: Promise<unknown> = Promise.resolve();
  readonly timings: StageTiming[] = [];
  currentPhase: Phase | null = null;

  constructor(
    private readonly db: PrismaClient,
    readonly jobId: string,
    readonly attempt: number,
    readonly log: Logger,
    readonly signal: AbortSignal,
    private readonly onProgress: (progress: number) => void = () => {},
    /**
     * Awaited once per stage change, after the row says so (webhooks: job.progress): the event then shows
     * the stage it announces. Must not throw, and must be bounded (the stage waits for it).
     */
    private readonly onPhase: (phase: Phase) => Promise<void> | void = () => {},
  ) {}

  /** Runs one stage: sets the phase, passes a 0..1 progress reporter, records the stage's duration. */
  async stage<T>(phase: Phase, work: (report: (fraction: number) => void) => Promise<T>): Promise<T> {
    this.signal.throwIfAborted();
    this.currentPhase = phase;
    const started = performance.now();
    await this.write({ phase, progress: Math.max(this.progress, PHASE_SPANS[phase][0]) }, true);
    await this.onPhase(phase);
    this.log.info({ phase }, "stage started");
    const result = await work((fraction) => this.report(phase, fraction));
    const durationMs = Math.round(performance.now() - started);
    this.timings.push({ phase, durationMs });
    await this.pendingWrite;
    await this.db.jobEvent.create({
      data: { jobId: this.jobId, attempt: this.attempt, stage: phase, type: "stage_completed", durationMs },
    });
    this.log.info({ phase, durationMs }, "stage completed");
    return result;
  }

  /**
   * Records a stage this attempt does not need to run (its result was checkpointed by an earlier one):
   * a `stage_skipped` timeline event, and progress moves past the stage's share.
   */
  async skip(phase: Phase, message: string, data?: Prisma.InputJsonObject): Promise<void> {
    this.signal.throwIfAborted();
    await this.write({ phase, progress: Math.max(this.progress, PHASE_SPANS[phase][1]) }, true);
    await this.db.jobEvent.create({
      data: { jobId: this.jobId, attempt: this.attempt, stage: phase, type: "stage_skipped", message, data },
    });
    this.log.info({ phase }, "stage skipped");
  }

  /** A `note` event in the timeline: something worth knowing that is not an error. */
  async note(phase: Phase, message: string, data?: Prisma.InputJsonObject): Promise<void> {
    await this.db.jobEvent.create({
      data: { jobId: this.jobId, attempt: this.attempt, stage: phase, type: "note", message, data },
    });
  }

  private report(phase: Phase, fraction: number): void {
    const [from, to] = PHASE_SPANS[phase];
    const value = Math.floor(from + (to - from) * Math.min(1, Math.max(0, fraction)));
    if (value <= this.progress) return;
    void this.write({ progress: value }, false);
  }

  private async write(data: { phase?: Phase; progress: number }, force: boolean): Promise<void> {
    const progress = Math.max(this.progress, data.progress);
    const now = Date.now();
    if (!force && now - this.lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
    this.progress = progress;
    this.lastWrite = now;
    this.onProgress(progress);
    // Chained so writes land in order; the status guard keeps a canceled job from being revived.
    this.pendingWrite = this.pendingWrite.then(() =>
      this.db.job
        .updateMany({ where: { id: this.jobId, status: "processing" }, data: { ...data, progress } })
        .catch((error: unknown) => this.log.warn({ err: error }, "progress write failed")),
    );
    await this.pendingWrite;
  }

  /** Waits for queued progress writes (before the final status write). */
  async flush(): Promise<void> {
    await this.pendingWrite;
  }
}
