// Burn-in in segments, on demand: `npx tsx bench/segment-render.ts [seconds] [segments] [rounds]`.
// The experiment behind issue #16's "burn in segment by segment" (not built into the worker yet): the same
// talk and captions burned in by one ffmpeg (the worker's render today) and by N ffmpegs at once, each on a
// frame-exact slice (-ss/-t before the input, the captions' clock restored with setpts), joined with the
// concat demuxer without re-encoding. Alternating order per round; prints wall times, the ratio, frame counts
// and SSIM of the joined picture against the single pass: overall, the worst frame, and the frames at the seams.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeSpeechVideo, runFfmpeg, runTool } from "../tests/support/make-media";

const SCRIPT =
  "Welcome back to the channel. Today we look at how captions are made, from the first spoken word to the final frame. Stay until the end for the results.";
const PRESET = process.env.FFMPEG_PRESET ?? "veryfast";
const FPS = 25;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

function srtTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

async function frameCount(file: string): Promise<number> {
  const { stdout } = await runTool(
    "ffprobe",
    [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=nb_read_frames",
      "-of",
      "csv=p=0",
      file,
    ],
    120_000,
  );
  return Number(stdout.trim());
}

async function main() {
  const seconds = Number(process.argv[2] ?? 60);
  const segments = Number(process.argv[3] ?? 2);
  const rounds = Number(process.argv[4] ?? 2);
  const dir = await mkdtemp(path.join(tmpdir(), "captioner-bench-segments-"));
  try {
    const speech = await makeSpeechVideo({ script: SCRIPT, width: 1280, height: 720, fps: FPS });
    const input = path.join(dir, "talk.mp4");
    await runFfmpeg(["-stream_loop", "-1", "-i", speech.path, "-t", String(seconds), "-c", "copy", input]);
    // A two-line caption every 2 s, so libass draws on every frame that has one, across every seam.
    const srt = path.join(dir, "captions.srt");
    const cues = Array.from({ length: Math.ceil(seconds / 2) }, (_, i) => {
      return `${i + 1}\n${srtTime(2 * i)} --> ${srtTime(2 * i + 2)}\nCaption number ${i + 1} on two lines\nso that every frame has text\n`;
    });
    await writeFile(srt, cues.join("\n"));
    const x264 = ["-c:v", "libx264", "-preset", PRESET, "-crf", "23", "-pix_fmt", "yuv420p"];
    const single = path.join(dir, "single.mp4");
    const joined = path.join(dir, "joined.mp4");
    // Cuts on frame boundaries: the slice [start, start + length) holds frames start·fps … (start+length)·fps − 1.
    const frames = Math.round(seconds * FPS);
    const cuts = Array.from({ length: segments + 1 }, (_, i) => Math.round((i * frames) / segments) / FPS);

    const renderSingle = () =>
      runFfmpeg(["-i", input, "-vf", `subtitles=${srt}`, ...x264, "-c:a", "copy", "-movflags", "+faststart", single]);
    const renderSegments = async () => {
      const parts = cuts.slice(0, -1).map((start, i) => ({
        start,
        length: (cuts[i + 1] ?? seconds) - start,
        file: path.join(dir, `segment-${i}.mp4`),
      }));
      await Promise.all(
        parts.map((part) =>
          runFfmpeg([
            ...["-ss", part.start.toFixed(3), "-t", part.length.toFixed(3), "-i", input],
            ...["-vf", `setpts=PTS+${part.start.toFixed(3)}/TB,subtitles=${srt},setpts=PTS-STARTPTS`],
            ...x264,
            "-an",
            part.file,
          ]),
        ),
      );
      const list = path.join(dir, "segments.txt");
      await writeFile(list, parts.map((part) => `file '${part.file}'\n`).join(""));
      await runFfmpeg([
        ...["-f", "concat", "-safe", "0", "-i", list, "-i", input],
        ...["-map", "0:v", "-map", "1:a", "-c", "copy", "-movflags", "+faststart", joined],
      ]);
    };

    console.log(
      `input: ${seconds} s of 1280x720 at ${FPS} fps, preset ${PRESET}, ${segments} segments, ${rounds} rounds`,
    );
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let singleSec = 0;
      let segmentSec = 0;
      if (round % 2 === 0) {
        singleSec = await timed(renderSingle);
        segmentSec = await timed(renderSegments);
      } else {
        segmentSec = await timed(renderSegments);
        singleSec = await timed(renderSingle);
      }
      ratios.push(segmentSec / singleSec);
      console.log(
        `round ${round + 1}: single pass ${singleSec.toFixed(1)} s | ${segments} segments at once + join ${segmentSec.toFixed(1)} s | ratio ${(segmentSec / singleSec).toFixed(2)}`,
      );
    }

    const stats = path.join(dir, "ssim.log");
    await runFfmpeg(["-i", joined, "-i", single, "-lavfi", `[0:v][1:v]ssim=stats_file=${stats}`, "-f", "null", "-"]);
    const perFrame = (await readFile(stats, "utf8"))
      .trim()
      .split("\n")
      .map((line) => Number(/All:([\d.]+)/.exec(line)?.[1] ?? 0));
    const mean = perFrame.reduce((a, b) => a + b, 0) / perFrame.length;
    const seamFrames = cuts.slice(1, -1).flatMap((cut) => {
      const at = Math.round(cut * FPS);
      return [at - 1, at, at + 1].map((i) => perFrame[i] ?? 0);
    });
    console.log(
      `frames: single ${await frameCount(single)}, joined ${await frameCount(joined)} (expected ${frames})\n` +
        `SSIM joined vs single pass: mean ${mean.toFixed(4)}, worst frame ${Math.min(...perFrame).toFixed(4)}, ` +
        `frames at the seams ${seamFrames.map((v) => v.toFixed(4)).join(" ")} (goal ≥ 0.99)`,
    );
    console.log(`segments ÷ single over ${rounds} rounds: ${ratios.map((r) => r.toFixed(2)).join(", ")}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
