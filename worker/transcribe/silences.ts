import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runSubprocess, SubprocessError } from "../subprocess";
import type { TimeRange } from "./align";

// The one silence splitter: where the speech pauses, and where to cut the audio so no word is cut in half.
// The OpenAI path cuts at silences to fit its upload limit (nextChunkEnd); local recognisers cut at
// silences to hear the chunks in parallel (splitForParallelism). Both read the same silencedetect pass.

/** ffmpeg silencedetect: quieter than -35 dBFS for 0.3 s counts as a pause between words. */
export const SILENCE_FILTER = "silencedetect=noise=-35dB:d=0.3";

/** Parses one line of ffmpeg's silencedetect log into an event, or null for any other line. */
export function parseSilenceLine(line: string): { kind: "start" | "end"; time: number } | null {
  const match = /silence_(start|end):\s*(-?\d+(?:\.\d+)?)/.exec(line);
  if (!match) return null;
  const time = Number(match[2]);
  if (!Number.isFinite(time)) return null;
  return { kind: match[1] === "start" ? "start" : "end", time: Math.max(0, time) };
}

/**
 * Where the chunk starting at `start` should end: at the silence closest before the budget `targetSec`,
 * so no word is cut in half; at the budget itself when the second half of the window has no silence.
 */
export function nextChunkEnd(
  start: number,
  durationSec: number,
  targetSec: number,
  silences: readonly TimeRange[],
): number {
  const budgetEnd = start + targetSec;
  if (budgetEnd >= durationSec) return durationSec;
  const earliest = start + targetSec / 2;
  let best: number | null = null;
  for (const silence of silences) {
    const middle = (silence.start + silence.end) / 2;
    if (middle > earliest && middle <= budgetEnd && (best === null || middle > best)) best = middle;
  }
  return best ?? budgetEnd;
}

/** The silences that overlap `range`, clipped to it and relative to its start. */
export function silencesWithin(silences: readonly TimeRange[], range: TimeRange): TimeRange[] {
  return silences
    .filter((s) => s.end > range.start && s.start < range.end)
    .map((s) => ({
      start: Math.max(s.start, range.start) - range.start,
      end: Math.min(s.end, range.end) - range.start,
    }));
}

/** A chunk of audio by sample index (exact) and by time (`startSample / sampleRate`, for shifting words). */
export interface AudioChunk extends TimeRange {
  startSample: number;
  endSample: number;
}

/**
 * Cuts `durationSec` of audio into at most `parts` chunks of about equal length, each cut in the middle of
 * a silence near the even split point (within a quarter of a chunk's length), on a sample boundary. Cuts
 * only at silences: a stretch with no pause near a split point stays whole (fewer, longer chunks) rather
 * than losing a word at the edge. Chunks shorter than `minChunkSec` are not worth a process.
 */
export function splitForParallelism(
  durationSec: number,
  silences: readonly TimeRange[],
  parts: number,
  options: { sampleRate: number; totalSamples?: number; minChunkSec?: number },
): AudioChunk[] {
  const { sampleRate } = options;
  const totalSamples = options.totalSamples ?? Math.round(durationSec * sampleRate);
  const minChunkSec = options.minChunkSec ?? 5;
  const count = Math.max(1, Math.min(Math.floor(parts), Math.floor(durationSec / minChunkSec)));
  const cuts: number[] = [];
  const chunkSec = durationSec / count;
  for (let i = 1; i < count; i++) {
    const ideal = i * chunkSec;
    const previous = cuts.at(-1) ?? 0;
    let best: number | null = null;
    for (const silence of silences) {
      const middle = (silence.start + silence.end) / 2;
      if (Math.abs(middle - ideal) > chunkSec / 4) continue;
      if (middle - previous < minChunkSec || durationSec - middle < minChunkSec) continue;
      if (best === null || Math.abs(middle - ideal) < Math.abs(best - ideal)) best = middle;
    }
    if (best !== null) cuts.push(best);
  }
  const bounds = [0, ...cuts.map((t) => Math.round(t * sampleRate)), totalSamples];
  const chunks: AudioChunk[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const startSample = bounds[i] ?? 0;
    const endSample = bounds[i + 1] ?? totalSamples;
    chunks.push({ startSample, endSample, start: startSample / sampleRate, end: endSample / sampleRate });
  }
  return chunks;
}

/** Pauses in the WAV, from ffmpeg's silencedetect log read line by line. */
export async function detectSilences(
  input: { wavPath: string; durationSec: number; signal: AbortSignal },
  backend: string,
): Promise<TimeRange[]> {
  const silences: TimeRange[] = [];
  let openStart: number | null = null;
  const onLine = (line: string) => {
    const event = parseSilenceLine(line);
    if (event?.kind === "start") openStart = event.time;
    else if (event?.kind === "end" && openStart !== null) {
      silences.push({ start: openStart, end: event.time });
      openStart = null;
    }
  };
  const timeoutMs = scaledTimeout(
    TIMEOUTS.extractAudioFloorMs,
    TIMEOUTS.extractAudioPerMediaSecondMs,
    input.durationSec,
  );
  const args = ["-nostdin", "-hide_banner", "-loglevel", "info", "-nostats", "-i", input.wavPath];
  try {
    await runSubprocess("ffmpeg", [...args, "-af", SILENCE_FILTER, "-f", "null", "-"], {
      timeoutMs,
      signal: input.signal,
      onStderrLine: onLine,
    });
  } catch (error) {
    if (input.signal.aborted) throw input.signal.reason ?? error;
    if (!(error instanceof SubprocessError)) throw error;
    throw new JobError("TRANSCRIPTION_FAILED", {
      detail: {
        backend,
        reason: error.reason === "timeout" ? "ffmpeg-timeout" : "ffmpeg-exit",
        step: "silencedetect",
        exitCode: error.exitCode,
        ...(error.reason === "timeout" ? { timeoutMs } : {}),
        stderrTail: error.stderrTail.slice(-1500),
      },
    });
  }
  // Silence running to the end of the file has no silence_end line.
  if (openStart !== null) silences.push({ start: openStart, end: input.durationSec });
  return silences;
}

/** Where the samples of a PCM WAV are: enough to cut it by sample index without decoding. */
export interface WavLayout {
  sampleRate: number;
  /** Bytes per sample frame (all channels). */
  blockAlign: number;
  channels: number;
  bitsPerSample: number;
  dataOffset: number;
  totalSamples: number;
}

/** Reads the RIFF chunks up to `data`; a streamed WAV's unknown data size (0 or ~0) means "to the end". */
export async function readWavLayout(file: string): Promise<WavLayout> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const header = Buffer.alloc(Math.min(size, 64 * 1024));
    await handle.read(header, 0, header.length, 0);
    if (header.toString("ascii", 0, 4) !== "RIFF" || header.toString("ascii", 8, 12) !== "WAVE") {
      throw new Error(`${file} is not a RIFF/WAVE file`);
    }
    let offset = 12;
    let format: Omit<WavLayout, "dataOffset" | "totalSamples"> | null = null;
    while (offset + 8 <= header.length) {
      const id = header.toString("ascii", offset, offset + 4);
      const length = header.readUInt32LE(offset + 4);
      const body = offset + 8;
      if (id === "fmt ") {
        format = {
          channels: header.readUInt16LE(body + 2),
          sampleRate: header.readUInt32LE(body + 4),
          blockAlign: header.readUInt16LE(body + 12),
          bitsPerSample: header.readUInt16LE(body + 14),
        };
      } else if (id === "data") {
        if (!format) throw new Error(`${file}: data before fmt`);
        const available = size - body;
        const bytes = length === 0 || length > available ? available : length;
        return { ...format, dataOffset: body, totalSamples: Math.floor(bytes / format.blockAlign) };
      }
      offset = body + length + (length % 2);
    }
    throw new Error(`${file}: no data chunk in the first 64 KiB`);
  } finally {
    await handle.close();
  }
}

/** Writes samples [startSample, endSample) of a PCM WAV as a WAV of its own: a byte copy, sample-exact. */
export async function writeWavChunk(
  source: string,
  layout: WavLayout,
  chunk: Pick<AudioChunk, "startSample" | "endSample">,
  out: string,
): Promise<void> {
  const bytes = (chunk.endSample - chunk.startSample) * layout.blockAlign;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + bytes, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(layout.channels, 22);
  header.writeUInt32LE(layout.sampleRate, 24);
  header.writeUInt32LE(layout.sampleRate * layout.blockAlign, 28);
  header.writeUInt16LE(layout.blockAlign, 32);
  header.writeUInt16LE(layout.bitsPerSample, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(bytes, 40);
  const target = createWriteStream(out);
  target.write(header);
  if (bytes === 0) {
    await new Promise<void>((resolve, reject) =>
      target.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return;
  }
  const start = layout.dataOffset + chunk.startSample * layout.blockAlign;
  await pipeline(createReadStream(source, { start, end: start + bytes - 1 }), target);
}

/** What one chunk's recogniser heard, its times relative to the chunk's own start. */
export interface ChunkWords<W extends { start: number; end: number }> {
  /** The audio the recogniser heard, on the input's timeline. */
  range: TimeRange;
  /** The part of it whose words this chunk reports (e.g. without a lead-in heard only to warm up). */
  owns?: TimeRange;
  words: readonly W[];
}

/**
 * Puts chunk results back on the input's timeline: each word shifted by its chunk's start (exact: the
 * chunk's first sample), kept inside the chunk, chunks in time order. Where chunks overlap (heard twice at
 * an edge), a word belongs to the chunk whose own part its middle falls in — `owns` when given, else the
 * middle of the overlap is the border: each word once. Inside a chunk the recogniser's reading order is
 * kept: pocketsphinx 5prealpha sometimes times an utterance seconds late (its VAD loses count of dropped
 * silence frames), and sorting by time would then interleave two sentences word by word.
 */
export function stitchChunkWords<W extends { start: number; end: number }>(chunks: readonly ChunkWords<W>[]): W[] {
  const ordered = [...chunks].sort((a, b) => a.range.start - b.range.start);
  const words: W[] = [];
  ordered.forEach((chunk, i) => {
    const previous = ordered[i - 1];
    const next = ordered[i + 1];
    const ownsFrom = chunk.owns?.start ?? (previous ? border(previous.range, chunk.range) : Number.NEGATIVE_INFINITY);
    const ownsTo = chunk.owns?.end ?? (next ? border(chunk.range, next.range) : Number.POSITIVE_INFINITY);
    for (const word of chunk.words) {
      const start = Math.min(Math.max(chunk.range.start + word.start, chunk.range.start), chunk.range.end);
      const end = Math.min(Math.max(chunk.range.start + word.end, start), chunk.range.end);
      const middle = (start + end) / 2;
      if (middle < ownsFrom || middle >= ownsTo) continue;
      words.push({ ...word, start, end });
    }
  });
  return words;
}

/** The middle of two neighbours' overlap, or where the second starts when they do not overlap. */
function border(first: TimeRange, second: TimeRange): number {
  return (second.start + Math.max(first.end, second.start)) / 2;
}
