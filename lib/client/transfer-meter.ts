// Speed and time left of an upload, from (time, bytes) samples. The speed is measured over the last few
// seconds rather than since the start, so it follows a connection that speeds up or stalls.

export interface TransferStats {
  sent: number;
  total: number;
  /** 0–100, whole number. */
  percent: number;
  /** null until there is enough history to say. */
  bytesPerSec: number | null;
  secondsLeft: number | null;
}

const WINDOW_MS = 3_000;
/** Below this much history a speed is mostly noise (the first progress event comes almost at once). */
const MIN_SPAN_MS = 300;

export class TransferMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(
    readonly total: number,
    private readonly windowMs = WINDOW_MS,
  ) {}

  /** Records that `sent` bytes are out at time `at` (ms, any monotonic clock) and returns the stats. */
  sample(sent: number, at: number): TransferStats {
    this.samples.push({ at, bytes: sent });
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - this.windowMs) this.samples.shift();
    const first = this.samples[0] ?? { at, bytes: sent };
    const spanMs = at - first.at;
    const bytesPerSec = spanMs >= MIN_SPAN_MS ? ((sent - first.bytes) * 1000) / spanMs : null;
    const left = Math.max(0, this.total - sent);
    return {
      sent,
      total: this.total,
      percent: this.total > 0 ? Math.min(100, Math.floor((sent / this.total) * 100)) : 100,
      bytesPerSec,
      secondsLeft: bytesPerSec && bytesPerSec > 0 ? left / bytesPerSec : left === 0 ? 0 : null,
    };
  }
}
