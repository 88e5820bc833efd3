// Render and recognition cost on this machine, run on demand: `npx tsx bench/render.ts [seconds]`.
// Absolute times drift with the machine's load, so every line is also a ratio against a baseline measured
// in the same run (burn-in at the default preset, veryfast).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildCues, toSrt } from "../lib/captions";
import { toAss } from "../lib/captions/ass";
import { resolveCaptionStyle } from "../lib/captions/caption-style";
import { makeSpeechVideo, runFfmpeg } from "../tests/support/make-media";
import { extractAudio } from "../worker/stages/extract-audio";
import { probeMedia } from "../worker/stages/probe";
import { renderVideo } from "../worker/stages/render";
import { captureThumbnail, thumbnailTimeSec } from "../worker/stages/thumbnail";
import { PocketsphinxTranscriber } from "../worker/transcribe/pocketsphinx";

const SCRIPT =
  "Welcome back to the channel. Today we look at how captions are made, from the first spoken word to the final frame. Stay until the end for the results.";

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function main() {
  const seconds = Number(process.argv[2] ?? 30);
  const dir = await mkdtemp(path.join(tmpdir(), "captioner-bench-"));
  const signal = new AbortController().signal;
  try {
    // A 640x360 clip of `seconds`: the speech looped over a moving test pattern.
    const speech = await makeSpeechVideo({ script: SCRIPT, width: 640, height: 360, fps: 25 });
    const input = path.join(dir, "input.mp4");
    await runFfmpeg(["-stream_loop", "-1", "-i", speech.path, "-t", String(seconds), "-c", "copy", input]);
    const media = await probeMedia(input, { maxDurationSec: 86_400, signal });

    const wav = await extractAudio({
      file: input,
      demuxer: media.demuxer,
      track: 0,
      workDir: dir,
      durationSec: media.durationSec,
      signal,
      report: () => {},
    });
    const asr = await timed(() =>
      new PocketsphinxTranscriber().transcribe({
        wavPath: wav,
        durationSec: media.durationSec,
        workDir: dir,
        signal,
        onProgress: () => {},
      }),
    );
    const cues = buildCues({ segments: asr.value.segments });
    const srt = path.join(dir, "captions.srt");
    await writeFile(srt, toSrt(cues));
    const ass = path.join(dir, "captions.ass");
    await writeFile(ass, toAss(cues, resolveCaptionStyle(undefined), { width: 640, height: 360 }));

    const render = (name: string, preset: string, burnIn: boolean) =>
      timed(() =>
        renderVideo({
          file: input,
          media,
          audioTrack: 0,
          srtFile: srt,
          assFile: ass,
          burnIn,
          output: path.join(dir, `${name}.mp4`),
          preset,
          crf: 23,
          signal,
          report: () => {},
        }),
      ).then((r) => ({ name, ms: r.ms }));

    const baseline = await render("burn-in veryfast (baseline)", "veryfast", true);
    // What the worker adds after every render: one frame of the output as the job's thumbnail.
    const thumbnail = await timed(() =>
      captureThumbnail({
        file: path.join(dir, `${baseline.name}.mp4`),
        atSec: thumbnailTimeSec(cues, media.durationSec),
        output: path.join(dir, "thumbnail.jpg"),
        signal,
      }),
    );
    const rows = [
      baseline,
      { name: "thumbnail (after a render)", ms: thumbnail.ms },
      await render("burn-in ultrafast", "ultrafast", true),
      await render("burn-in medium", "medium", true),
      await render("soft subtitles (no re-encode)", "veryfast", false),
    ];
    console.log(`media: ${media.width}x${media.height}, ${media.durationSec.toFixed(1)} s, ${cues.length} cues`);
    console.log(
      `pocketsphinx: ${(asr.ms / 1000).toFixed(2)} s = ${(asr.ms / 1000 / media.durationSec).toFixed(3)}× real time`,
    );
    for (const row of rows) {
      const rtf = row.ms / 1000 / media.durationSec;
      console.log(
        `${row.name.padEnd(32)} ${(row.ms / 1000).toFixed(2).padStart(7)} s  ${rtf.toFixed(3)}× real time  ${(row.ms / baseline.ms).toFixed(2)}× baseline`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
