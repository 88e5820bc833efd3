import { JobError } from "../../lib/error-codes";
import { TIMEOUTS } from "../../lib/timeouts";
import { checkContainer, mediaInputArgs, refusedDemuxer, refusedFormatMessage } from "../media-input";
import { runSubprocess, SubprocessError } from "../subprocess";

/** What ffprobe says about a file. */
export interface ProbedStreams {
  durationSec: number;
  hasVideo: boolean;
  hasAudio: boolean;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  /** Codec of the first audio track (see audioTracks for all of them). */
  audioCodec: string | null;
  formatName: string | null;
  /** Every audio track in stream order; `index` is its position among audio tracks (ffmpeg's `0:a:N`). */
  audioTracks: AudioTrack[];
  /** Frames per second when the video's rate is constant (nominal = average); null otherwise. */
  frameRate?: number | null;
}

export interface AudioTrack {
  index: number;
  codec: string | null;
  /** The container marks it as the track to play by default. */
  isDefault: boolean;
  language: string | null;
  channels: number | null;
}

/** An accepted input: its streams, and the demuxer every later ffmpeg call pins (`-f`). */
export interface MediaInfo extends ProbedStreams {
  demuxer: string;
}

interface FfprobeOutput {
  format?: { duration?: string; format_name?: string };
  streams?: {
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    duration?: string;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    channels?: number;
    tags?: { language?: string };
    disposition?: { attached_pic?: number; default?: number };
  }[];
}

/** Parses ffprobe's JSON; exported for unit tests. */
export function parseProbe(json: string): ProbedStreams {
  const data = JSON.parse(json) as FfprobeOutput;
  const streams = data.streams ?? [];
  // Cover art in an audio file shows up as a one-frame "video" stream: it is not a video track.
  const video = streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  const audioStreams = streams.filter((s) => s.codec_type === "audio");
  const audio = audioStreams[0];
  const duration = Number(data.format?.duration ?? video?.duration ?? audio?.duration ?? Number.NaN);
  return {
    durationSec: duration,
    hasVideo: Boolean(video),
    hasAudio: Boolean(audio),
    width: video?.width ?? null,
    height: video?.height ?? null,
    videoCodec: video?.codec_name ?? null,
    audioCodec: audio?.codec_name ?? null,
    formatName: data.format?.format_name ?? null,
    audioTracks: audioStreams.map((s, index) => ({
      index,
      codec: s.codec_name ?? null,
      isDefault: s.disposition?.default === 1,
      language: s.tags?.language && s.tags.language !== "und" ? s.tags.language : null,
      channels: s.channels ?? null,
    })),
    frameRate: constantFrameRate(video?.r_frame_rate, video?.avg_frame_rate),
  };
}

/**
 * "25/1" and "25/1" → 25; a variable rate (average more than 1% off the nominal) or an unreadable one → null.
 * 1%, not exact: a constant-rate file's average is often a little off (a last frame's duration, edit lists:
 * the 60 s bench talk reads 25/1 and 24.9).
 */
function constantFrameRate(nominal: string | undefined, average: string | undefined): number | null {
  const rate = (text: string | undefined) => {
    const [num, den] = (text ?? "").split("/").map(Number);
    return num && den ? num / den : Number.NaN;
  };
  const r = rate(nominal);
  const avg = rate(average);
  if (!(r > 0 && r < 1000) || !(Math.abs(r - avg) / r < 0.01)) return null;
  return r;
}

/**
 * Reads the input's streams and duration, and decodes its first video frame. Unreadable, not a video
 * container we accept (playlists and other files that point elsewhere), no video, over the duration limit,
 * or a video stream that cannot be decoded are permanent failures: retrying the same file cannot help.
 */
export async function probeMedia(
  file: string,
  options: { maxDurationSec: number; signal: AbortSignal },
): Promise<MediaInfo> {
  let stdout: string;
  try {
    ({ stdout } = await runSubprocess(
      "ffprobe",
      ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", ...mediaInputArgs(file, null)],
      { timeoutMs: TIMEOUTS.probeMs, signal: options.signal },
    ));
  } catch (error) {
    options.signal.throwIfAborted();
    if (error instanceof SubprocessError && error.reason === "timeout") {
      throw new JobError("TIMEOUT", { detail: { stage: "probing", timeoutMs: TIMEOUTS.probeMs } });
    }
    const stderrTail = error instanceof SubprocessError ? error.stderrTail : String(error);
    const refused = refusedDemuxer(stderrTail);
    throw new JobError("INVALID_MEDIA", {
      ...(refused ? { message: refusedFormatMessage(refused) } : {}),
      detail: { stage: "probing", stderrTail, ...(refused ? { formatName: refused } : {}) },
    });
  }
  const parsed = parseProbe(stdout);
  // ffprobe already chose among the accepted demuxers only; checked again so the pinned name is ours.
  const container = checkContainer(parsed.formatName);
  if (!container.ok) {
    throw new JobError("INVALID_MEDIA", {
      message: container.message,
      detail: { stage: "probing", formatName: parsed.formatName },
    });
  }
  const info: MediaInfo = { ...parsed, demuxer: container.demuxer };
  if (!info.hasVideo) {
    if (!info.hasAudio && !Number.isFinite(info.durationSec)) {
      throw new JobError("INVALID_MEDIA", { detail: { stage: "probing", formatName: info.formatName } });
    }
    throw new JobError("NO_VIDEO_STREAM", { detail: { stage: "probing", formatName: info.formatName } });
  }
  if (!Number.isFinite(info.durationSec) || info.durationSec <= 0) {
    throw new JobError("INVALID_MEDIA", {
      message: "The video's duration could not be read.",
      detail: { stage: "probing" },
    });
  }
  if (info.durationSec > options.maxDurationSec) {
    throw new JobError("TOO_LONG", {
      message: `The video is longer than the limit of ${describeLimit(options.maxDurationSec)}.`,
      detail: { stage: "probing", durationSec: info.durationSec, maxDurationSec: options.maxDurationSec },
    });
  }
  await checkVideoDecodes(file, info, options.signal);
  return info;
}

/**
 * How much of the video stream the decode check may read before it gives up finding a frame (s of media):
 * a stream cut mid-GOP shows nothing until its first keyframe, and GOPs of real files stay well under this.
 */
export const DECODE_CHECK_WINDOW_SEC = 60;

/**
 * Decodes the first frame of the video stream the output takes (`0:v:0`). ffprobe describes a stream from
 * its headers alone, so a file whose picture is damaged or in a variant no decoder here reads passes it;
 * copying that picture (soft subtitles, no captions) would then "complete" with a video nobody can play.
 * One frame costs ~0.1 s on a 720p clip (docs/job-lifecycle.md); a broken stream is read for at most
 * DECODE_CHECK_WINDOW_SEC of media.
 */
async function checkVideoDecodes(file: string, media: MediaInfo, signal: AbortSignal): Promise<void> {
  let stdout = "";
  let stderrTail = "";
  try {
    ({ stdout, stderrTail } = await runSubprocess(
      "ffmpeg",
      [
        ...["-nostdin", "-hide_banner", "-v", "error"],
        // One decoder thread: a frame-threaded decoder holds a frame per thread before it shows the first.
        ...["-threads", "1", "-t", String(DECODE_CHECK_WINDOW_SEC)],
        ...mediaInputArgs(file, media.demuxer),
        // framecrc: one line per decoded frame (a checksum, not the pixels), after `#` header lines.
        ...["-map", "0:v:0", "-frames:v", "1", "-f", "framecrc", "pipe:1"],
      ],
      { timeoutMs: TIMEOUTS.probeMs, signal },
    ));
  } catch (error) {
    signal.throwIfAborted();
    if (error instanceof SubprocessError && error.reason === "timeout") {
      throw new JobError("TIMEOUT", { detail: { stage: "probing", check: "decode", timeoutMs: TIMEOUTS.probeMs } });
    }
    // ffmpeg exits 1 when no frame ever reached its output ("Cannot determine format of input stream").
    stderrTail = error instanceof SubprocessError ? error.stderrTail : String(error);
  }
  const frames = stdout.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#")).length;
  if (frames > 0) return;
  throw new JobError("INVALID_MEDIA", {
    message: `The video stream (${media.videoCodec ?? "unknown codec"}) cannot be decoded: the file may be damaged, or its video format is not supported.`,
    detail: { stage: "probing", check: "decode", videoCodec: media.videoCodec, stderrTail },
  });
}

/** "4 hours", "90 minutes", "45 seconds": the limit as a person would say it. */
export function describeLimit(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds >= 120) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}
