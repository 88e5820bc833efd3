import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runFfmpeg } from "../ffmpeg";
import { ffmpegOnMedia } from "../media-input";
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
}

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
  const command = ffmpegOnMedia({ file: input.file, demuxer: input.media.demuxer });
  const track = input.audioTrack === null ? undefined : input.media.audioTracks[input.audioTrack];
  const outputOptions = ["-map", "0:v:0", ...(track ? ["-map", `0:a:${track.index}`] : [])];
  outputOptions.push("-movflags", "+faststart", "-map_metadata", "0");

  if (mode === "burn-in" || mode === "re-encode" || mode === "re-encode-soft-subtitles") {
    const filters = ["scale=trunc(iw/2)*2:trunc(ih/2)*2"];
    if (mode === "burn-in") {
      if (!input.assFile) throw new Error("burn-in needs the ASS script of the cues");
      // The script carries the exact style in the frame's own pixels (PlayResX/Y): libass draws it as is.
      const offset = input.timeOffsetSec ?? 0;
      if (offset > 0) filters.push(`setpts=PTS+${offset.toFixed(6)}/TB`);
      filters.push(`ass='${filterPath(input.assFile)}':fontsdir='${filterPath(CAPTION_FONT_DIR)}'`);
      if (offset > 0) filters.push(`setpts=PTS-${offset.toFixed(6)}/TB`);
    }
    // videoFilters(), not "-vf" in outputOptions: fluent-ffmpeg splits option strings at spaces.
    command.videoFilters(filters);
    outputOptions.push("-c:v", "libx264", "-preset", input.preset, "-crf", String(input.crf), "-pix_fmt", "yuv420p");
  } else {
    outputOptions.push("-c:v", "copy");
  }
  if (track) {
    const audioCopy = MP4_AUDIO_CODECS.has(track.codec ?? "");
    outputOptions.push("-c:a", audioCopy ? "copy" : "aac", ...(audioCopy ? [] : ["-b:a", "128k"]));
    if (track.language) outputOptions.push("-metadata:s:a:0", `language=${track.language}`);
  }
  if ((mode === "soft-subtitles" || mode === "re-encode-soft-subtitles") && input.srtFile) {
    // The SRT is the second input; mov_text is the one subtitle codec MP4 players read.
    command.input(input.srtFile);
    outputOptions.push("-map", "1:0", "-c:s", "mov_text", "-metadata:s:s:0", `language=${track?.language ?? "und"}`);
  }
  command.outputOptions(outputOptions).format("mp4").output(input.output);

  await runFfmpeg(command, {
    stage: "rendering",
    timeoutMs: scaledTimeout(TIMEOUTS.renderFloorMs, TIMEOUTS.renderPerMediaSecondMs, input.media.durationSec),
    signal: input.signal,
    durationSec: input.media.durationSec,
    onProgress: input.report,
    failureCode: "RENDER_FAILED",
  });
  return mode;
}
