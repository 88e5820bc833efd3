// Local Whisper's cost next to pocketsphinx on the same audio, run on demand: `npx tsx bench/whisper.ts [seconds]`.
// SPEED ONLY: no real Whisper weights can be downloaded here, so the whisper rows run the generated
// random-weight model (scripts/make-test-whisper-model.ts: real format, real vocabulary, 1 layer of width
// 64, far smaller than tiny.en). Its words are gibberish and its decoding stops after ≤ 24 tokens per
// window by construction, so its time is the plumbing's floor (process start, model load, mel, one encoder
// pass per 30 s window), not what a real model costs; a real model's compute per 30 s window on 2 cores was
// measured separately (docs/environment notes): tiny.en 0.55 s, base.en 1.24 s, small.en 4.46 s.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeSpeechWav, probeDurationSec, runFfmpeg } from "../tests/support/make-media";
import { testWhisperModel } from "../tests/support/test-whisper-model";
import { PocketsphinxTranscriber } from "../worker/transcribe/pocketsphinx";
import type { Transcriber } from "../worker/transcribe/types";
import { readWhisperModelInfo, WhisperTranscriber } from "../worker/transcribe/whisper";

const SCRIPT =
  "Welcome back to the channel. Today we look at how captions are made, from the first spoken word to the final frame. Stay until the end for the results.";

async function main() {
  const seconds = Number(process.argv[2] ?? 60);
  const dir = await mkdtemp(path.join(tmpdir(), "captioner-bench-whisper-"));
  const signal = new AbortController().signal;
  try {
    const speech = await makeSpeechWav({ script: SCRIPT });
    const wav = path.join(dir, "input.wav");
    await runFfmpeg(["-stream_loop", "-1", "-i", speech.path, "-t", String(seconds), "-c", "copy", wav]);
    const durationSec = await probeDurationSec(wav);
    const model = readWhisperModelInfo(await testWhisperModel());

    const backends: [string, Transcriber][] = [
      ["pocketsphinx (1 thread)", new PocketsphinxTranscriber()],
      ["whisper, generated model, 1 thread", new WhisperTranscriber({ model, threads: 1 })],
      ["whisper, generated model, 2 threads", new WhisperTranscriber({ model, threads: 2 })],
    ];
    const rows: { name: string; ms: number; words: number }[] = [];
    for (const [name, transcriber] of backends) {
      const started = performance.now();
      const transcript = await transcriber.transcribe({
        wavPath: wav,
        durationSec,
        workDir: dir,
        signal,
        onProgress: () => {},
      });
      rows.push({ name, ms: performance.now() - started, words: transcript.words.length });
    }
    const baseline = rows[0]?.ms ?? 1;
    console.log(`${durationSec.toFixed(1)} s of flite speech, ${process.env.HOSTNAME ?? "this machine"}`);
    for (const row of rows) {
      console.log(
        `${row.name.padEnd(38)} ${(row.ms / 1000).toFixed(2).padStart(6)} s  RTF ${(row.ms / 1000 / durationSec).toFixed(3)}  ` +
          `${(row.ms / baseline).toFixed(2)}× pocketsphinx  (${row.words} words)`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
