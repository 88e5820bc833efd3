import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TIMEOUTS } from "../../lib/timeouts";

// Deterministic test media. Outputs are cached under tests/.cache/ by a hash of what made them, so a
// second run (or a second test file asking for the same clip) costs a file copy at most.
// Files returned without `out` are the shared cache copies: read them, never modify them.

const CACHE_DIR = fileURLToPath(new URL("../.cache/", import.meta.url));
/** Bump when a recipe below changes, so stale cache entries are not reused. */
const RECIPE_VERSION = 1;

export interface MediaFile {
  path: string;
  durationSec: number;
}

interface VideoShape {
  width?: number;
  height?: number;
  fps?: number;
  /** Copy the result here; otherwise the (read-only) cache path is returned. */
  out?: string;
}

/** flite's `slt` voice reading `script`, as a 16 kHz mono s16le WAV: what the extract stage produces. */
export async function makeSpeechWav(options: { script: string; out?: string }): Promise<MediaFile> {
  const file = await cached("speech", { script: options.script }, "wav", async (target) => {
    const textFile = `${target}.txt`;
    await writeFile(textFile, options.script);
    try {
      // -f rather than -t: a script starting with "-" must not be read as a flag.
      await runTool("flite", ["-voice", "slt", "-f", textFile, "-o", target], TIMEOUTS.extractAudioFloorMs);
    } finally {
      await rm(textFile, { force: true });
    }
  });
  return deliver(file, options.out);
}

export interface TimedSentence {
  text: string;
  /** Seconds from the start of the file to the first sound of the sentence (exact: built that way). */
  start: number;
  end: number;
}

/**
 * Sentences read by flite one at a time, each trimmed of flite's own leading and trailing silence, joined
 * with the given pauses (cycled): speech whose sentence onsets are known exactly, for timing benchmarks.
 */
export async function makeTimedSpeechWav(options: {
  sentences: readonly string[];
  pausesSec: readonly number[];
  leadSec?: number;
  out?: string;
}): Promise<MediaFile & { sentences: TimedSentence[] }> {
  const lead = options.leadSec ?? 0.5;
  const clips: { path: string; durationSec: number }[] = [];
  for (const sentence of options.sentences) {
    const raw = await makeSpeechWav({ script: sentence });
    const trimmed = await cached("trimmed-speech", { script: sentence }, "wav", (target) =>
      runFfmpeg([
        ...["-i", raw.path, "-af"],
        "silenceremove=start_periods=1:start_threshold=-50dB,areverse,silenceremove=start_periods=1:start_threshold=-50dB,areverse",
        ...["-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", target],
      ]),
    );
    clips.push({ path: trimmed, durationSec: await probeDurationSec(trimmed) });
  }
  const pause = (i: number) => options.pausesSec[i % options.pausesSec.length] ?? 0.5;
  const sentences: TimedSentence[] = [];
  let at = lead;
  clips.forEach((clip, i) => {
    sentences.push({ text: options.sentences[i] ?? "", start: at, end: at + clip.durationSec });
    at += clip.durationSec + pause(i);
  });
  const recipe = { sentences: options.sentences, pausesSec: options.pausesSec, lead };
  const file = await cached("timed-speech", recipe, "wav", async (target) => {
    // Exact sample counts: every part is 16 kHz s16 mono, and silences are generated at that rate.
    const inputs: string[] = ["-f", "lavfi", "-t", lead.toFixed(4), "-i", "anullsrc=r=16000:cl=mono"];
    clips.forEach((clip, i) => {
      inputs.push("-i", clip.path, "-f", "lavfi", "-t", pause(i).toFixed(4), "-i", "anullsrc=r=16000:cl=mono");
    });
    const count = 1 + clips.length * 2;
    const labels = Array.from({ length: count }, (_, i) => `[${i}:a]`).join("");
    await runFfmpeg([
      ...inputs,
      ...["-filter_complex", `${labels}concat=n=${count}:v=0:a=1[out]`, "-map", "[out]"],
      ...["-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", target],
    ]);
  });
  return { ...(await deliver(file, options.out)), sentences };
}

/** A test-pattern video over a WAV (e.g. makeTimedSpeechWav's), lasting exactly as long as the audio. */
export async function makeVideoOverWav(options: VideoShape & { wav: MediaFile }): Promise<MediaFile> {
  const shape = videoShape(options);
  const hash = createHash("sha256")
    .update(await readFile(options.wav.path))
    .digest("hex")
    .slice(0, 16);
  const file = await cached("video-over-wav", { hash, ...shape }, "mp4", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, options.wav.durationSec),
      ...["-i", options.wav.path],
      ...["-map", "0:v", "-map", "1:a"],
      ...h264Output(),
      ...["-c:a", "aac", "-b:a", "64k"],
      ...["-t", String(options.wav.durationSec), "-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/** A test-pattern video with the script spoken over it; video and audio last exactly as long as the speech. */
export async function makeSpeechVideo(options: VideoShape & { script: string }): Promise<MediaFile> {
  const shape = videoShape(options);
  const speech = await makeSpeechWav({ script: options.script });
  const file = await cached("speech-video", { script: options.script, ...shape }, "mp4", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, speech.durationSec),
      ...["-i", speech.path],
      ...["-map", "0:v", "-map", "1:a"],
      ...h264Output(),
      ...["-c:a", "aac", "-b:a", "64k"],
      ...["-t", String(speech.durationSec), "-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/**
 * makeSpeechVideo with a keyframe every `keyframeEverySec` (x264's default GOP is longer than a test clip):
 * a clip the split flow (worker/split) can cut into several segments.
 */
export async function makeKeyframedSpeechVideo(
  options: VideoShape & { script: string; keyframeEverySec: number },
): Promise<MediaFile> {
  const shape = videoShape(options);
  const speech = await makeSpeechWav({ script: options.script });
  const gop = Math.max(1, Math.round(options.keyframeEverySec * shape.fps));
  const file = await cached("keyframed-speech-video", { script: options.script, gop, ...shape }, "mp4", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, speech.durationSec),
      ...["-i", speech.path],
      ...["-map", "0:v", "-map", "1:a"],
      ...h264Output(),
      ...["-g", String(gop), "-keyint_min", String(gop)],
      ...["-c:a", "aac", "-b:a", "64k"],
      ...["-t", String(speech.durationSec), "-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/**
 * A speech video whose picture stops after `pictureSec` while the speech goes on (a title card followed by
 * sound only): the container lasts as long as the speech, the video stream only `pictureSec`.
 */
export async function makeShortPictureSpeechVideo(
  options: VideoShape & { script: string; pictureSec: number },
): Promise<MediaFile> {
  const shape = videoShape(options);
  const speech = await makeSpeechWav({ script: options.script });
  const recipe = { script: options.script, pictureSec: options.pictureSec, ...shape };
  const file = await cached("short-picture-video", recipe, "mp4", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, options.pictureSec),
      ...["-i", speech.path],
      ...["-map", "0:v", "-map", "1:a"],
      ...h264Output(),
      ...["-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/**
 * A speech video that is big on purpose (tens of MB in a few seconds, for multipart uploads): a noisy test
 * pattern encoded losslessly, which no encoder can shrink, over the spoken script. Fast to make (~3 s).
 */
export async function makeBulkySpeechVideo(options: {
  script: string;
  width?: number;
  height?: number;
  out?: string;
}): Promise<MediaFile> {
  const shape = { width: options.width ?? 464, height: options.height ?? 260, fps: 30 };
  const speech = await makeSpeechWav({ script: options.script });
  const file = await cached("bulky-speech-video", { script: options.script, ...shape }, "mp4", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, speech.durationSec),
      ...["-i", speech.path],
      ...["-vf", "noise=alls=40:allf=t:all_seed=7", "-map", "0:v", "-map", "1:a"],
      ...h264Output(),
      ...["-qp", "0", "-c:a", "aac", "-b:a", "64k"],
      ...["-t", String(speech.durationSec), "-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/** Codecs MP4 cannot carry as they are, as a new user's camera, editor or download would give them. */
export const FOREIGN_CODECS = {
  /** VP8 + Vorbis in WebM (browsers' MediaRecorder, older YouTube downloads). */
  webm: { ext: "webm", args: ["-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", "-c:a", "libvorbis"] },
  /** MPEG-2 video + MPEG-1 Layer II audio in a program stream (DVDs, broadcast captures). */
  mpeg2: { ext: "mpg", args: ["-c:v", "mpeg2video", "-q:v", "5", "-c:a", "mp2", "-b:a", "96k", "-f", "vob"] },
  /** Theora + Vorbis in Ogg. */
  theora: { ext: "ogv", args: ["-c:v", "libtheora", "-q:v", "5", "-c:a", "libvorbis"] },
} as const;

/** makeSpeechVideo's picture and speech in one of FOREIGN_CODECS. */
export async function makeForeignSpeechVideo(
  options: VideoShape & { script: string; codec: keyof typeof FOREIGN_CODECS },
): Promise<MediaFile> {
  const shape = videoShape(options);
  const speech = await makeSpeechWav({ script: options.script });
  const { ext, args } = FOREIGN_CODECS[options.codec];
  const file = await cached(`speech-${options.codec}`, { script: options.script, ...shape }, ext, (target) =>
    runFfmpeg([
      ...testPatternInput(shape, speech.durationSec),
      ...["-i", speech.path],
      ...["-map", "0:v", "-map", "1:a", ...args],
      ...["-t", String(speech.durationSec), target],
    ]),
  );
  return deliver(file, options.out);
}

/**
 * An MKV (VP8 + Opus) with two audio tracks: the first digital silence, the second the script spoken,
 * and neither marked default unless `defaultTrack` says which — like a film with an empty commentary slot.
 */
export async function makeTwoTrackMkv(
  options: VideoShape & { script: string; defaultTrack?: 0 | 1 },
): Promise<MediaFile> {
  const shape = videoShape(options);
  const speech = await makeSpeechWav({ script: options.script });
  const d = speech.durationSec;
  const recipe = { script: options.script, ...shape, defaultTrack: options.defaultTrack ?? null };
  const file = await cached("two-track", recipe, "mkv", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, d),
      ...["-f", "lavfi", "-i", `anullsrc=r=16000:cl=mono:d=${d}`],
      ...["-i", speech.path],
      ...["-map", "0:v", "-map", "1:a", "-map", "2:a"],
      ...["-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", "-c:a", "libopus", "-b:a", "32k"],
      ...["-disposition:a:0", options.defaultTrack === 0 ? "default" : "0"],
      ...["-disposition:a:1", options.defaultTrack === 1 ? "default" : "0"],
      ...["-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=eng"],
      ...["-t", String(d), target],
    ]),
  );
  return deliver(file, options.out);
}

/** A video whose audio track exists but holds digital silence. */
export async function makeSilentVideo(options: VideoShape & { durationSec?: number } = {}): Promise<MediaFile> {
  const shape = videoShape(options);
  const durationSec = options.durationSec ?? 3;
  const file = await cached("silent-video", { ...shape, durationSec }, "mp4", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, durationSec),
      ...["-f", "lavfi", "-i", `anullsrc=r=48000:cl=mono:d=${durationSec}`],
      ...["-map", "0:v", "-map", "1:a"],
      ...h264Output(),
      ...["-c:a", "aac", "-b:a", "32k"],
      ...["-t", String(durationSec), "-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/** A video with no audio stream at all. */
export async function makeVideoWithoutAudio(options: VideoShape & { durationSec?: number } = {}): Promise<MediaFile> {
  const shape = videoShape(options);
  const durationSec = options.durationSec ?? 3;
  const file = await cached("video-no-audio", { ...shape, durationSec }, "mp4", (target) =>
    runFfmpeg([
      ...testPatternInput(shape, durationSec),
      ...h264Output(),
      ...["-an", "-t", String(durationSec), "-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/** An audio-only file (no video stream): the script spoken, or a 440 Hz tone when there is no script. */
export async function makeAudioOnly(
  options: { format?: "m4a" | "mp3"; script?: string; durationSec?: number; out?: string } = {},
): Promise<MediaFile> {
  const format = options.format ?? "m4a";
  const codec = format === "m4a" ? ["-c:a", "aac", "-b:a", "64k"] : ["-c:a", "libmp3lame", "-b:a", "64k"];
  const source = options.script
    ? ["-i", (await makeSpeechWav({ script: options.script })).path]
    : ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=44100:duration=${options.durationSec ?? 3}`];
  const recipe = {
    format,
    script: options.script ?? null,
    durationSec: options.script ? null : (options.durationSec ?? 3),
  };
  const file = await cached("audio-only", recipe, format, (target) => runFfmpeg([...source, "-vn", ...codec, target]));
  return deliver(file, options.out);
}

// How each container is written from the silent H.264/AAC clip: copied where the container carries those
// codecs, otherwise re-encoded to what that container usually holds.
const CONTAINER_RECIPES = {
  mp4: ["-c", "copy", "-f", "mp4"],
  mov: ["-c", "copy", "-f", "mov"],
  mkv: ["-c", "copy", "-f", "matroska"],
  ts: ["-c", "copy", "-f", "mpegts"],
  flv: ["-c", "copy", "-f", "flv"],
  avi: ["-c:v", "mpeg4", "-q:v", "5", "-c:a", "libmp3lame", "-b:a", "64k", "-f", "avi"],
  webm: ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k", "-c:a", "libopus", "-f", "webm"],
  ogv: ["-c:v", "libtheora", "-q:v", "5", "-c:a", "libvorbis", "-f", "ogg"],
} as const;

export type Container = keyof typeof CONTAINER_RECIPES;

/** A short silent test-pattern video in `container` (file extension = the container's key). */
export async function makeContainerVideo(
  container: Container,
  options: VideoShape & { durationSec?: number } = {},
): Promise<MediaFile> {
  const source = await makeSilentVideo({ ...options, out: undefined });
  const file = await cached(`container-${container}`, { source: path.basename(source.path) }, container, (target) =>
    runFfmpeg(["-i", source.path, ...CONTAINER_RECIPES[container], target]),
  );
  return deliver(file, options.out);
}

/**
 * A real MP4 cut to `fraction` of its bytes, like an interrupted upload. The default source is written
 * with +faststart, so the index (moov) survives and probing succeeds while decoding runs out of data.
 */
export async function makeTruncatedMp4(
  options: { source?: string; fraction?: number; out?: string } = {},
): Promise<{ path: string; bytes: number; sourceBytes: number }> {
  const source = options.source ?? (await makeSilentVideo({ durationSec: 4 })).path;
  const fraction = options.fraction ?? 0.4;
  const whole = await readFile(source);
  const bytes = Math.floor(whole.length * fraction);
  const hash = createHash("sha256").update(whole).digest("hex").slice(0, 16);
  const file = await cached("truncated", { hash, fraction }, "mp4", (target) =>
    writeFile(target, whole.subarray(0, bytes)),
  );
  return { path: (await deliver(file, options.out, 0)).path, bytes, sourceBytes: whole.length };
}

/**
 * makeSpeechVideo (or a silent clip without a script) whose video packets are overwritten with noise: the
 * container, the stream's headers (codec, size) and the audio are intact, so ffprobe describes it as a
 * normal H.264 + AAC MP4, but no video frame can be decoded (ffmpeg's `noise` bitstream filter rewrites
 * every byte of every video packet, deterministically). What a damaged camera file or a botched edit gives.
 */
export async function makeUndecodableVideo(
  options: VideoShape & { script?: string; durationSec?: number } = {},
): Promise<MediaFile> {
  const source = options.script
    ? await makeSpeechVideo({ ...options, out: undefined, script: options.script })
    : await makeSilentVideo({ ...options, out: undefined });
  const file = await cached("undecodable-video", { source: path.basename(source.path) }, "mp4", (target) =>
    runFfmpeg([
      ...["-i", source.path, "-map", "0", "-c", "copy", "-bsf:v", "noise=amount=1"],
      ...["-movflags", "+faststart", target],
    ]),
  );
  return deliver(file, options.out);
}

/** Plain text with an .mp4 name: what a confused or malicious client uploads. */
export async function makeTextFileAsMp4(options: { out?: string } = {}): Promise<{ path: string }> {
  const file = await cached("text-as-mp4", {}, "mp4", (target) =>
    writeFile(target, "This is not a video.\nIt is a text file that was renamed to .mp4.\n"),
  );
  return { path: (await deliver(file, options.out, 0)).path };
}

/** Container duration in seconds, from ffprobe. */
export async function probeDurationSec(file: string): Promise<number> {
  const { stdout } = await runTool(
    "ffprobe",
    ["-v", "error", "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1:nokey=1", file],
    TIMEOUTS.probeMs,
  );
  const seconds = Number(stdout.trim());
  if (!Number.isFinite(seconds)) throw new Error(`ffprobe gave no duration for ${file}: ${stdout.trim()}`);
  return seconds;
}

/** Runs ffmpeg quietly (errors only) with the render limit; test media is tiny. */
export async function runFfmpeg(args: string[]): Promise<void> {
  await runTool("ffmpeg", ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", ...args], TIMEOUTS.renderFloorMs);
}

/** Spawns a tool, collects its output, kills it at `timeoutMs`, and fails with the stderr tail. */
export function runTool(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) resolve({ stdout, stderr });
      else {
        const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${code}`;
        reject(new Error(`${command} ${why}: ${stderr.trim().slice(-1000)}`));
      }
    });
  });
}

function videoShape(options: VideoShape): Required<Omit<VideoShape, "out">> {
  return { width: options.width ?? 320, height: options.height ?? 240, fps: options.fps ?? 15 };
}

function testPatternInput(shape: Required<Omit<VideoShape, "out">>, durationSec: number): string[] {
  return [
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${shape.width}x${shape.height}:rate=${shape.fps}:duration=${durationSec}`,
  ];
}

function h264Output(): string[] {
  return ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
}

/**
 * Returns the cache file for `recipe`, making it first if needed. Test files run in parallel workers,
 * so a file is written under a unique temp name and renamed into place: readers never see half a file.
 */
async function cached(
  kind: string,
  recipe: object,
  ext: string,
  make: (target: string) => Promise<void>,
): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify({ RECIPE_VERSION, kind, recipe })).digest("hex").slice(0, 20);
  const file = path.join(CACHE_DIR, `${kind}-${key}.${ext}`);
  if (existsSync(file)) return file;
  await mkdir(CACHE_DIR, { recursive: true });
  // The extension stays last: ffmpeg picks the output format from it.
  const temp = path.join(CACHE_DIR, `${kind}-${key}.tmp-${process.pid}-${randomBytes(4).toString("hex")}.${ext}`);
  try {
    await make(temp);
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
  return file;
}

async function deliver(file: string, out: string | undefined, knownDurationSec?: number): Promise<MediaFile> {
  let target = file;
  if (out) {
    await mkdir(path.dirname(out), { recursive: true });
    await copyFile(file, out);
    target = out;
  }
  const durationSec = knownDurationSec ?? (await probeDurationSec(file));
  return { path: target, durationSec };
}

/** Size in bytes; handy for assertions about uploads. */
export async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}
