import { JobError } from "../../lib/error-codes";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runSubprocess, SubprocessError } from "../subprocess";
import type { AudioTrack, MediaInfo } from "./probe";

// Peak level at or below which a track holds nothing to recognise: digital silence measures -91 dB
// (16-bit) or -inf, room tone and hiss stay below ~-60 dB, speech peaks well above -30 dB.
export const SILENT_MAX_VOLUME_DB = -60;

export interface AudioChoice {
  /** Position among the audio tracks (ffmpeg's `0:a:N`). */
  index: number;
  reason: "requested" | "only" | "default" | "first-with-sound" | "all-silent";
  /** Peak levels of the tracks that were measured to decide, in dB (-Infinity for digital silence). */
  measured: { index: number; maxVolumeDb: number }[];
  /** One sentence for the timeline. */
  summary: string;
}

/**
 * Which audio track to transcribe and keep: the one asked for; else the only one; else the track the
 * container marks as default, unless it is silent; else the first track with sound. Levels are measured
 * only when there is a choice to make, in that order, stopping at the first track with sound.
 */
export async function chooseAudioTrack(input: {
  file: string;
  media: MediaInfo;
  requested: number | undefined;
  signal: AbortSignal;
}): Promise<AudioChoice | null> {
  const tracks = input.media.audioTracks;
  if (input.requested !== undefined) {
    const track = tracks[input.requested];
    if (!track) {
      throw new JobError("AUDIO_TRACK_NOT_FOUND", {
        message: `The video has ${tracks.length === 0 ? "no audio tracks" : `${tracks.length} audio track${tracks.length === 1 ? "" : "s"} (numbered from 0)`}; audioTrack ${input.requested} does not exist.`,
        detail: { stage: "extracting_audio", audioTracks: tracks.length, requested: input.requested },
      });
    }
    return choice(track, tracks, "requested", []);
  }
  const [first] = tracks;
  if (!first) return null;
  if (tracks.length === 1) return choice(first, tracks, "only", []);

  // Defaults first (Matroska marks every track default unless told otherwise, so "default" alone cannot
  // decide), then the rest in stream order.
  const ordered = [...tracks.filter((t) => t.isDefault), ...tracks.filter((t) => !t.isDefault)];
  const measured: AudioChoice["measured"] = [];
  for (const track of ordered) {
    const maxVolumeDb = await measurePeakDb(input.file, track.index, input.media.durationSec, input.signal);
    measured.push({ index: track.index, maxVolumeDb });
    if (maxVolumeDb > SILENT_MAX_VOLUME_DB) {
      const onlyDefault = track.isDefault && tracks.filter((t) => t.isDefault).length === 1;
      return choice(track, tracks, onlyDefault ? "default" : "first-with-sound", measured);
    }
  }
  return choice(ordered[0] ?? first, tracks, "all-silent", measured);
}

function choice(
  track: AudioTrack,
  tracks: AudioTrack[],
  reason: AudioChoice["reason"],
  measured: AudioChoice["measured"],
): AudioChoice {
  const name = `audio track ${track.index} of ${tracks.length} (${[track.codec, track.language].filter(Boolean).join(", ") || "unknown codec"})`;
  const silent = measured.filter((m) => m.maxVolumeDb <= SILENT_MAX_VOLUME_DB).map((m) => m.index);
  const why = {
    requested: "as asked for (audioTrack)",
    only: "the only one",
    default: "marked as the default track",
    "first-with-sound": `the first with sound${silent.length > 0 ? `; silent: ${silent.join(", ")}` : ""}`,
    "all-silent": "every track is silent",
  }[reason];
  return { index: track.index, reason, measured, summary: `Transcribing ${name}: ${why}.` };
}

/** Peak level of one audio track with ffmpeg's volumedetect; -Infinity when the track is digital silence. */
export async function measurePeakDb(
  file: string,
  index: number,
  durationSec: number,
  signal: AbortSignal,
): Promise<number> {
  // Decoding audio costs about what extraction costs, so it shares extraction's limit.
  const timeoutMs = scaledTimeout(TIMEOUTS.extractAudioFloorMs, TIMEOUTS.extractAudioPerMediaSecondMs, durationSec);
  let stderr: string;
  try {
    ({ stderrTail: stderr } = await runSubprocess(
      "ffmpeg",
      [
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-i",
        file,
        "-map",
        `0:a:${index}`,
        "-af",
        "volumedetect",
        "-f",
        "null",
        "-",
      ],
      { timeoutMs, signal },
    ));
  } catch (error) {
    signal.throwIfAborted();
    const timedOut = error instanceof SubprocessError && error.reason === "timeout";
    throw new JobError(timedOut ? "TIMEOUT" : "INVALID_MEDIA", {
      detail: {
        stage: "extracting_audio",
        audioTrack: index,
        stderrTail: error instanceof SubprocessError ? error.stderrTail : String(error),
      },
    });
  }
  const match = /max_volume:\s*(-?inf|-?[\d.]+) dB/.exec(stderr);
  // No line at all: the track decoded to no samples, which is as silent as it gets.
  if (!match?.[1] || match[1].endsWith("inf")) return Number.NEGATIVE_INFINITY;
  return Number(match[1]);
}
