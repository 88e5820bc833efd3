// Every subprocess and network call takes its limit from this table, so one place answers
// "how long can X hang?". Values are in milliseconds. Media-proportional stages scale with the input's
// duration on top of a floor: a 2 h film must not time out where a 10 s clip would.

export const TIMEOUTS = {
  /** ffprobe on a local file (headers only), and the decode of its first video frame (~0.1 s at 720p). */
  probeMs: 30_000,
  /** Storage calls that move no file body (head, delete, presign). */
  storageRequestMs: 15_000,
  /** Download/upload of one object: a floor plus time per MiB (≥ 1 MiB/s assumed). */
  transferFloorMs: 60_000,
  transferPerMiBMs: 1_000,
  /** Audio extraction: a floor plus a share of the media's duration. */
  extractAudioFloorMs: 60_000,
  extractAudioPerMediaSecondMs: 500,
  /** Local speech recognition (pocketsphinx runs at ~0.2× real time on one core). */
  transcribeLocalFloorMs: 120_000,
  transcribeLocalPerMediaSecondMs: 2_000,
  /**
   * Local Whisper (whisper.cpp on CPU): base.en ~0.04 s per audio second on 2 cores, small ~0.15 s,
   * large models past 1 s; the floor covers loading a multi-GB model.
   */
  transcribeWhisperFloorMs: 180_000,
  transcribeWhisperPerMediaSecondMs: 6_000,
  /** One request to an OpenAI-compatible transcription API. */
  transcribeApiRequestMs: 300_000,
  /** Burn-in render (x264 veryfast ~0.2–0.5× real time on 2 cores; real footage is slower). */
  renderFloorMs: 120_000,
  renderPerMediaSecondMs: 6_000,
  /** One thumbnail frame of the rendered output: seek, decode a GOP, scale, JPEG (~0.3 s measured on 2 cores). */
  thumbnailMs: 30_000,
  /** Opening one Postgres connection: an unreachable database answers 503 instead of hanging a request. */
  databaseConnectMs: 5_000,
  /** Redis/Postgres health checks. */
  healthCheckMs: 2_000,
  /** One webhook delivery: connect, send, and the receiver's answer (receivers should answer at once). */
  webhookDeliveryMs: 15_000,
  /** One small Redis command off the queue's path (e.g. counting media minutes for a quota). */
  redisCommandMs: 5_000,
  /** The app reading the retention schedule for a job's deadlines: short, the answer is optional (null). */
  retentionPolicyReadMs: 1_000,
  /** The app's proxy to the queue dashboard: until response headers arrive (bodies then stream freely). */
  queueBoardProxyMs: 15_000,
} as const;

/** A stage limit for media of `durationSec` seconds: floor + per-second share. */
export function scaledTimeout(floorMs: number, perSecondMs: number, durationSec: number): number {
  return Math.round(floorMs + perSecondMs * Math.max(0, durationSec));
}

/** Rejects with "no answer within N ms" when `promise` takes longer; the timer never outlives the race. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = "no answer"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
