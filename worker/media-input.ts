import path from "node:path";
import ffmpeg, { type FfmpegCommand } from "fluent-ffmpeg";

// The one place that builds how ffprobe/ffmpeg open an uploaded file. An upload is untrusted: ffmpeg's
// demuxers and protocols can read other things than the bytes we hand them — an HLS playlist named
// .mp4 makes ffmpeg open its "segments" (any file on the worker's disk, or any URL the worker can reach),
// ffconcat lists files, `concat:`/`data:`/`http:` names are protocols. So every call on user input:
//   - allows the `file` protocol only (no http, concat, data, subfile, crypto…),
//   - lets ffmpeg choose among the demuxers of real video files only (ffprobe refuses anything else
//     before it reads a header, so probing a playlist never opens its segments),
//   - after probing, pins the demuxer ffprobe found (`-f`), so a later call cannot pick another,
//   - names the file as `file:<absolute path>`, so no part of a name is read as a protocol.

/** Containers of real video files we accept: ffmpeg's demuxer names (first = what `-f` takes). */
export const VIDEO_CONTAINERS = [
  { demuxer: "mov,mp4,m4a,3gp,3g2,mj2", label: "MP4/MOV" },
  { demuxer: "matroska,webm", label: "MKV/WebM" },
  { demuxer: "avi", label: "AVI" },
  { demuxer: "mpegts", label: "MPEG-TS" },
  { demuxer: "flv", label: "FLV" },
  { demuxer: "ogg", label: "Ogg" },
  { demuxer: "mpeg", label: "MPEG-PS" },
  { demuxer: "asf", label: "WMV/ASF" },
] as const;

const FORMAT_WHITELIST = VIDEO_CONTAINERS.map((c) => c.demuxer).join(",");

// Demuxers whose input names other files, URLs or programs: refused with a message saying so.
const INDIRECT_DEMUXERS = new Set([
  "hls",
  "applehttp",
  "dash",
  "webm_dash_manifest",
  "concat",
  "image2",
  "imf",
  "sdp",
  "rtsp",
  "rtp",
  "lavfi",
  "tee",
  "avisynth",
  "vapoursynth",
  "data",
]);

export type ContainerCheck = { ok: true; demuxer: string } | { ok: false; message: string };

/** Whether ffprobe's `format_name` is an accepted video container; `demuxer` is then the name to pin. */
export function checkContainer(formatName: string | null): ContainerCheck {
  const accepted = VIDEO_CONTAINERS.find((c) => c.demuxer === formatName);
  if (accepted) return { ok: true, demuxer: accepted.demuxer.split(",")[0] as string };
  return { ok: false, message: refusedFormatMessage(formatName) };
}

/** The public message for an upload whose container is not one we accept. */
export function refusedFormatMessage(formatName: string | null): string {
  const names = (formatName ?? "").split(",").filter(Boolean);
  if (names.some((name) => INDIRECT_DEMUXERS.has(name))) {
    return `Playlists and files that point to other files or addresses (${names[0]}) are not accepted; upload the video file itself.`;
  }
  const supported = VIDEO_CONTAINERS.map((c) => c.label).join(", ");
  return formatName
    ? `The file's format (${formatName}) is not a supported video container. Supported: ${supported}.`
    : `The file could not be read as a video. Supported: ${supported}.`;
}

/**
 * The demuxer ffprobe refused for not being on the whitelist, read from its stderr
 * (`[hls @ 0x55…] Format not on whitelist '…'`); null when that is not why it failed.
 */
export function refusedDemuxer(stderr: string): string | null {
  return /\[([\w,]+) @ 0x[0-9a-f]+\] Format not on whitelist/i.exec(stderr)?.[1] ?? null;
}

/** The input options (before `-i`) for an uploaded file; `demuxer` pins the format once probed. */
export function mediaInputOptions(demuxer: string | null): string[] {
  return ["-protocol_whitelist", "file", "-format_whitelist", FORMAT_WHITELIST, ...(demuxer ? ["-f", demuxer] : [])];
}

/** `file:<absolute path>`: ffmpeg reads no protocol out of a name that starts this way. */
export function mediaInputUrl(file: string): string {
  return `file:${path.resolve(file)}`;
}

/** ffprobe/ffmpeg arguments that open an uploaded file safely (options, then `-i`). */
export function mediaInputArgs(file: string, demuxer: string | null): string[] {
  return [...mediaInputOptions(demuxer), "-i", mediaInputUrl(file)];
}

/** A fluent-ffmpeg command reading an uploaded, already probed file with its demuxer pinned. */
export function ffmpegOnMedia(input: { file: string; demuxer: string }): FfmpegCommand {
  return ffmpeg()
    .input(mediaInputUrl(input.file))
    .inputOptions(["-hide_banner", ...mediaInputOptions(input.demuxer)]);
}
