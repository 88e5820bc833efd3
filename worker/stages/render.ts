import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import ffmpeg from "fluent-ffmpeg";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runFfmpeg } from "../ffmpeg";
import { ffmpegOnMedia, mediaInputOptions, mediaInputUrl } from "../media-input";
import type { MediaInfo } from "./probe";

export const CAPTION_FONT_DIR = "/usr/share/fonts/truetype/dejavu";

// Codecs an MP4 can carry as they are: copying them avoids a re-encode (soft subtitles, no-speech jobs).
const MP4_VIDEO_CODECS = new Set(["h264", "hevc", "av1", "vp9", "mpeg4"]);
export const MP4_AUDIO_CODECS = new Set(["aac", "mp3", "alac", "opus", "ac3", "eac3"]);

export interface RenderInput {
  file: string;
  media: MediaInfo;
  /** Which audio track goes into the output (position among audio tracks); null when there is none. */
  audioTrack: number | null;
  /** SRT file of the cues; null when there are no cues (nothing to draw or mux). */
  srtFile: string | null;
  /** ASS script of the same cues in the job's style: what burn-in draws (lib/captions/ass.ts). */
  assFile: string | null;
  burnIn: boolean;
  /**
   * Where this file starts in the captions' clock (s): a segment of a split video is drawn with the whole
   * video's captions at its own place in time (worker/split), pixel for pixel as a single-pass render.
   */
  timeOffsetSec?: number;
  output: string;
  preset: string;
  crf: number;
  signal: AbortSignal;
  report: (fraction: number) => void;
  /**
   * Burn-in only: encode this many slices of the picture at once and join them without re-encoding (one
   * ffmpeg keeps ~1.1 cores busy: bench/segment-render.ts). 1 or unset: one pass.
   */
  segments?: number;
  /** Slices shorter than this are not worth an ffmpeg of their own (MIN_SEGMENT_SEC). */
  minSegmentSec?: number;
  /**
   * A still of the rendered picture (the thumbnail): `take` gets a file holding the output's picture from
   * `offsetSec` on, once. After a single pass that is the output itself; after a segmented burn-in it is the
   * slice holding `atSec`, read while the join runs (the join copies it as it is, frame for frame).
   */
  still?: { atSec: number; take: (file: string, offsetSec: number) => Promise<void> };
}

/** Each slice starts with a keyframe and x264's rate control restarts: keep slices long. */
export const MIN_SEGMENT_SEC = 10;

/**
 * ffmpeg's filter syntax gives `:` `,` `'` `\` `[` `]` `;` meanings of their own, with two levels of escaping.
 * Our paths come from our own temp dirs, so refuse anything unusual instead of escaping it.
 */
export function filterPath(file: string): string {
  if (!/^[A-Za-z0-9_./-]+$/.test(file)) throw new Error(`unsafe path for an ffmpeg filter: ${file}`);
  return file;
}

/**
 * What happens to the picture and the captions: drawn in (burn-in), muxed as a track beside a copied
 * picture (soft-subtitles) or beside a re-encoded one (re-encode-soft-subtitles: the input's video codec
 * cannot go into an MP4), or no captions at all (copy / re-encode).
 */
export type RenderMode = "burn-in" | "soft-subtitles" | "re-encode-soft-subtitles" | "copy" | "re-encode";

/** Which ffmpeg recipe an input needs; exported for unit tests. */
export function renderMode(input: Pick<RenderInput, "media" | "srtFile" | "burnIn">): RenderMode {
  if (input.srtFile && input.burnIn) return "burn-in";
  const copyable = MP4_VIDEO_CODECS.has(input.media.videoCodec ?? "");
  if (input.srtFile) return copyable ? "soft-subtitles" : "re-encode-soft-subtitles";
  return copyable ? "copy" : "re-encode";
}

/**
 * Renders the output MP4: captions burned into the picture (libass `subtitles` filter, x264), or muxed as
 * a soft mov_text track (the picture copied when MP4 can carry its codec, else re-encoded). Audio is
 * copied when MP4 can carry it, else AAC. +faststart puts the index first so playback starts before the
 * download ends.
 */
export async function renderVideo(input: RenderInput): Promise<RenderMode> {
  const mode = renderMode(input);
  const cuts = mode === "burn-in" ? segmentCuts(input) : null;
  if (cuts) {
    await renderBurnInSegments(input, cuts);
    return mode;
  }
  const command = ffmpegOnMedia({ file: input.file, demuxer: input.media.demuxer });
  const track = input.audioTrack === null ? undefined : input.media.audioTracks[input.audioTrack];
  const outputOptions = ["-map", "0:v:0", ...(track ? ["-map", `0:a:${track.index}`] : [])];
  outputOptions.push("-movflags", "+faststart", "-map_metadata", "0");

  if (mode === "burn-in" || mode === "re-encode" || mode === "re-encode-soft-subtitles") {
    command.videoFilters(pictureFilters(input, mode));
    outputOptions.push(...x264Options(input));
  } else {
    outputOptions.push("-c:v", "copy");
  }
  outputOptions.push(...audioOptions(track));
  if ((mode === "soft-subtitles" || mode === "re-encode-soft-subtitles") && input.srtFile) {
    // The SRT is the second input; mov_text is the one subtitle codec MP4 players read.
    command.input(input.srtFile);
    outputOptions.push("-map", "1:0", "-c:s", "mov_text", "-metadata:s:s:0", `language=${track?.language ?? "und"}`);
  }
  command.outputOptions(outputOptions).format("mp4").output(input.output);

  await runFfmpeg(command, {
    stage: "rendering",
    timeoutMs: renderTimeout(input.media.durationSec),
    signal: input.signal,
    durationSec: input.media.durationSec,
    onProgress: input.report,
    failureCode: "RENDER_FAILED",
  });
  await input.still?.take(input.output, 0);
  return mode;
}

function renderTimeout(durationSec: number): number {
  return scaledTimeout(TIMEOUTS.renderFloorMs, TIMEOUTS.renderPerMediaSecondMs, durationSec);
}

/** Even dimensions (x264 needs them), then the captions drawn for burn-in. */
function pictureFilters(input: RenderInput, mode: RenderMode): string[] {
  const filters = ["scale=trunc(iw/2)*2:trunc(ih/2)*2"];
  if (mode === "burn-in") {
    if (!input.assFile) throw new Error("burn-in needs the ASS script of the cues");
    // A split job's segment is drawn on the whole video's clock (worker/split): shift, draw, shift back.
    const offset = input.timeOffsetSec ?? 0;
    if (offset > 0) filters.push(`setpts=PTS+${offset.toFixed(6)}/TB`);
    // The script carries the exact style in the frame's own pixels (PlayResX/Y): libass draws it as is.
    filters.push(`ass='${filterPath(input.assFile)}':fontsdir='${filterPath(CAPTION_FONT_DIR)}'`);
    if (offset > 0) filters.push(`setpts=PTS-${offset.toFixed(6)}/TB`);
  }
  return filters;
}

function x264Options(input: RenderInput): string[] {
  return ["-c:v", "libx264", "-preset", input.preset, "-crf", String(input.crf), "-pix_fmt", "yuv420p"];
}

/** Audio is copied when MP4 can carry it, else AAC; its language tag kept. */
function audioOptions(track: { codec: string | null; language: string | null } | undefined): string[] {
  if (!track) return [];
  const copy = MP4_AUDIO_CODECS.has(track.codec ?? "");
  return [
    ...["-c:a", copy ? "copy" : "aac", ...(copy ? [] : ["-b:a", "128k"])],
    ...(track.language ? ["-metadata:s:a:0", `language=${track.language}`] : []),
  ];
}

/**
 * Where to cut the picture for a segmented burn-in, in seconds on frame boundaries (start of each slice,
 * then the end); null for one pass: one segment asked for, too short, or no constant frame rate (a
 * variable-rate input has no frame-exact cut by time).
 */
export function segmentCuts(input: Pick<RenderInput, "media" | "segments" | "minSegmentSec">): number[] | null {
  const fps = input.media.frameRate;
  const { durationSec } = input.media;
  const count = Math.min(input.segments ?? 1, Math.floor(durationSec / (input.minSegmentSec ?? MIN_SEGMENT_SEC)));
  if (count < 2 || !fps) return null;
  const frames = Math.floor(durationSec * fps);
  return [...Array.from({ length: count }, (_, i) => Math.round((i * frames) / count) / fps), durationSec];
}

/**
 * Burn-in as N ffmpegs at once, each on a frame-exact slice (-ss/-t before the input; the captions' clock
 * restored with setpts, so libass draws what the single pass draws), then one join: the concat demuxer
 * copies the slices' video, the audio comes from the input. Measured against the single pass: same frame
 * count, SSIM ≥ 0.99 on every frame, seams included (bench/segment-render.ts, worker/stages/render.test.ts).
 * The first failure (or a cancel) kills the other slices' ffmpegs.
 */
async function renderBurnInSegments(input: RenderInput, cuts: readonly number[]): Promise<void> {
  const { media } = input;
  const stop = new AbortController();
  const signal = AbortSignal.any([input.signal, stop.signal]);
  const slices = cuts.slice(0, -1).map((start, i) => ({
    start,
    // The last slice runs to the real end of the file, whatever the probed duration said.
    length: i === cuts.length - 2 ? null : (cuts[i + 1] ?? media.durationSec) - start,
    file: `${input.output}.part${i}.mp4`,
  }));
  // 95% for the slices (seconds encoded over all of them), the rest for the join.
  const encoded = slices.map(() => 0);
  let reported = 0;
  const progress = () => {
    const fraction = (0.95 * encoded.reduce((a, b) => a + b, 0)) / media.durationSec;
    if (fraction > reported) {
      reported = fraction;
      input.report(Math.min(0.95, fraction));
    }
  };
  const list = `${input.output}.parts.txt`;
  try {
    const results = await Promise.allSettled(
      slices.map(async (slice, i) => {
        const length = slice.length ?? media.durationSec - slice.start;
        const command = ffmpegOnMedia({ file: input.file, demuxer: media.demuxer }).inputOptions([
          ...["-ss", slice.start.toFixed(6)],
          ...(slice.length === null ? [] : ["-t", slice.length.toFixed(6)]),
        ]);
        command.videoFilters([
          `setpts=PTS+${slice.start.toFixed(6)}/TB`,
          ...pictureFilters(input, "burn-in"),
          "setpts=PTS-STARTPTS",
        ]);
        command
          .outputOptions(["-map", "0:v:0", "-an", ...x264Options(input)])
          .format("mp4")
          .output(slice.file);
        try {
          await runFfmpeg(command, {
            stage: "rendering",
            timeoutMs: renderTimeout(length),
            signal,
            durationSec: length,
            onProgress: (fraction) => {
              encoded[i] = Math.max(encoded[i] ?? 0, Math.min(1, fraction) * length);
              progress();
            },
            failureCode: "RENDER_FAILED",
          });
        } catch (error) {
          stop.abort(error);
          throw error;
        }
      }),
    );
    input.signal.throwIfAborted();
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;

    const track = input.audioTrack === null ? undefined : media.audioTracks[input.audioTrack];
    const { still } = input;
    // The still is the first frame at or after atSec (captureThumbnail's seek): the slice that holds it.
    const fps = media.frameRate ?? 0;
    const stillFrameSec = still && Math.ceil(still.atSec * fps - 1e-6) / fps;
    const stillSlice = still && slices.findLast((slice) => slice.start <= (stillFrameSec ?? 0) + 1e-6);
    // The join is one core copying bytes: the still is taken from its slice on the other meanwhile.
    const [joined, taken] = await Promise.allSettled([
      joinSegments({
        segments: slices.map((slice) => slice.file),
        audio: track
          ? {
              file: input.file,
              demuxer: media.demuxer,
              track: track.index,
              codec: track.codec,
              language: track.language,
            }
          : null,
        list,
        output: input.output,
        durationSec: media.durationSec,
        signal: input.signal,
        report: (fraction) => input.report(Math.min(1, 0.95 + 0.05 * fraction)),
      }),
      still && stillSlice ? still.take(stillSlice.file, stillSlice.start) : undefined,
    ]);
    if (joined.status === "rejected") throw joined.reason;
    if (taken.status === "rejected") throw taken.reason;
  } finally {
    await Promise.all([list, ...slices.map((s) => s.file)].map((file) => rm(file, { force: true })));
  }
}

/**
 * Joins rendered video segments (same encoder, same settings) with the concat demuxer and stream copy, and
 * muxes one audio track back in from a file of its own (copied when MP4 can carry its codec, else AAC), so
 * no segment seam ever touches the sound. Used by the segmented burn-in above and by split jobs
 * (worker/split), which join segments rendered on other workers. +faststart: playback starts before the
 * download ends.
 */
export async function joinSegments(input: {
  segments: readonly string[];
  /** The audio source, opened by the media-input rules: its pinned demuxer and the track to take. */
  audio: { file: string; demuxer: string; track: number; codec: string | null; language: string | null } | null;
  /** Where to write the concat demuxer's list. */
  list: string;
  output: string;
  durationSec: number;
  signal: AbortSignal;
  report?: (fraction: number) => void;
}): Promise<void> {
  // The concat demuxer's own quoting: our paths come from our temp dirs, so refuse anything unusual.
  await writeFile(input.list, input.segments.map((file) => `file '${filterPath(path.resolve(file))}'\n`).join(""));
  const command = ffmpeg()
    .input(input.list)
    .inputOptions(["-hide_banner", "-f", "concat", "-safe", "0", "-protocol_whitelist", "file"]);
  const options = ["-map", "0:v:0", "-c:v", "copy"];
  if (input.audio) {
    command.input(mediaInputUrl(input.audio.file)).inputOptions(mediaInputOptions(input.audio.demuxer));
    options.push("-map", `1:a:${input.audio.track}`, "-map_metadata", "1");
    options.push(...audioOptions({ codec: input.audio.codec, language: input.audio.language }));
  }
  options.push("-movflags", "+faststart");
  command.outputOptions(options).format("mp4").output(input.output);
  await runFfmpeg(command, {
    stage: "rendering",
    timeoutMs: renderTimeout(input.durationSec),
    signal: input.signal,
    durationSec: input.durationSec,
    onProgress: input.report,
    failureCode: "RENDER_FAILED",
  });
}
