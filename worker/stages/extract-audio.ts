import path from "node:path";
import { scaledTimeout, TIMEOUTS } from "../../lib/timeouts";
import { runFfmpeg } from "../ffmpeg";
import { ffmpegOnMedia } from "../media-input";

/**
 * Decodes the audio track to 16 kHz mono 16-bit WAV: the input every recogniser takes (the API backend
 * re-encodes it to compact Opus itself). Decoding the whole track also surfaces truncated inputs early,
 * before minutes are spent on recognition.
 */
export async function extractAudio(input: {
  file: string;
  /** The demuxer the probe found: pinned so ffmpeg reads the file as exactly that. */
  demuxer: string;
  /** Position among the audio tracks (see chooseAudioTrack). */
  track: number;
  workDir: string;
  durationSec: number;
  signal: AbortSignal;
  report: (fraction: number) => void;
}): Promise<string> {
  const wav = path.join(input.workDir, "audio.wav");
  const command = ffmpegOnMedia(input)
    .noVideo()
    .audioChannels(1)
    .audioFrequency(16_000)
    .audioCodec("pcm_s16le")
    .outputOptions(["-map", `0:a:${input.track}`, "-sn", "-dn"])
    .format("wav")
    .output(wav);
  await runFfmpeg(command, {
    stage: "extracting_audio",
    timeoutMs: scaledTimeout(TIMEOUTS.extractAudioFloorMs, TIMEOUTS.extractAudioPerMediaSecondMs, input.durationSec),
    signal: input.signal,
    durationSec: input.durationSec,
    onProgress: input.report,
    failureCode: "INVALID_MEDIA",
    strictInput: true,
  });
  return wav;
}
