// Speech recognition quality per backend on one flite corpus with known sentence onsets, run on demand:
// `npx tsx bench/asr.ts`. Prints, per backend, the word error rate against the script, the share of
// sentence onsets within 300 ms of the truth, the median and p90 onset error, and the real-time factor.
// The corpus: sentences read by flite's slt voice one at a time, trimmed, joined with known pauses
// (tests/support/make-media.ts makeTimedSpeechWav), so every sentence's first sound is at a known time.
//
// Rows:
// - pocketsphinx: the offline recogniser (its own words and times), in one pass and in parallel chunks cut at
//   silences (ASR_PARALLELISM), with and without the warm-up lead-in each chunk hears before its cut.
// `npx tsx bench/asr.ts pocketsphinx` runs only the rows whose name contains the argument.
// - text-only stand-in + alignment: the worker's OpenAI client with a text-only model (as gpt-transcribe)
//   against the local stand-in server, which answers `json` text and 400 to verbose_json. Its text is the
//   known script span pocketsphinx heard in each chunk ("perfect text from the model"); the worker cuts at
//   silences and force-aligns the words (worker/transcribe/align.ts).
// - the same with the proportional fallback only (no dictionary), to show what alignment buys.
// - whisper: local whisper.cpp with the GENERATED random-weight test model (tests/support/test-whisper-model):
//   its real-time factor only; its words are noise, so WER and onsets are not reported. With a real model
//   in WHISPER_MODEL_PATH (not available on the machines here) the row is measured like the others.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeTimedSpeechWav } from "../tests/support/make-media";
import { sentenceOnsets } from "../tests/support/onsets";
import { startOpenAICompatibleServer } from "../tests/support/openai-compatible-server";
import { testWhisperModel } from "../tests/support/test-whisper-model";
import { wordErrorRate } from "../tests/support/wer";
import { OpenAITranscriber } from "../worker/transcribe/openai";
import { LEAD_IN_SEC, PocketsphinxTranscriber, SENTENCE_PAUSE_SEC } from "../worker/transcribe/pocketsphinx";
import type { Transcriber, Transcript } from "../worker/transcribe/types";
import {
  findWhisperModel,
  readWhisperModelInfo,
  WhisperTranscriber,
  whisperUnavailableReason,
} from "../worker/transcribe/whisper";

export const BENCH_SENTENCES = [
  "Good morning and welcome to the weekly update.",
  "The new studio opens next month, and every team will move in by the summer.",
  "Please bring your questions to the meeting on Friday.",
  "We spent the spring testing the new cameras.",
  "Most of them worked well, but two of them failed in the cold.",
  "The repair shop will send them back next week.",
  "After that, we can finish the film about the river.",
  "I think the story is strong, and the music is ready.",
  "If you have time, please watch the first part tonight.",
  "The weather was kind to us for most of the shoot.",
  "Only one day was lost to rain, which is a small miracle.",
  "Our editor has already cut the opening scene.",
  "She wants to hear what you think before the end of the month.",
  "The sound team recorded birds along the water at dawn.",
  "Those recordings will open the second half of the film.",
  "We still need a title, so send us your ideas.",
  "The best idea wins a dinner with the whole crew.",
  "Thank you all for your hard work this year.",
];
/** Pauses between sentences, cycled: from just over silencedetect's 0.3 s to a long breath. */
export const BENCH_PAUSES_SEC = [0.4, 0.7, 1.0, 0.5, 1.4, 0.35];

interface Row {
  name: string;
  transcript: Transcript | null;
  seconds: number;
  note?: string;
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "captioner-asr-bench-"));
  const speech = await makeTimedSpeechWav({ sentences: BENCH_SENTENCES, pausesSec: BENCH_PAUSES_SEC });
  const script = BENCH_SENTENCES.join(" ");
  const apiKey = "sk-bench-local";
  const server = await startOpenAICompatibleServer({ apiKey, mode: "text-only", script });
  const signal = new AbortController().signal;
  const run = async (name: string, transcriber: Transcriber, note?: string): Promise<Row> => {
    const started = performance.now();
    const transcript = await transcriber.transcribe({
      wavPath: speech.path,
      durationSec: speech.durationSec,
      workDir: dir,
      language: "en",
      signal,
      onProgress: () => {},
    });
    return { name, transcript, seconds: (performance.now() - started) / 1000, ...(note ? { note } : {}) };
  };
  const textOnly = (dictionary?: string) =>
    new OpenAITranscriber({
      apiKey,
      baseURL: server.baseURL,
      model: "gpt-transcribe",
      ...(dictionary ? { alignDictionaryPath: dictionary } : {}),
    });
  try {
    console.log(
      `corpus: ${BENCH_SENTENCES.length} flite sentences, ${speech.durationSec.toFixed(1)} s, pauses ${BENCH_PAUSES_SEC.join("/")} s`,
    );
    const rows: Row[] = [];
    const only = process.argv[2] ?? "";
    const want = (name: string) => name.includes(only);
    rows.push(await run("pocketsphinx", new PocketsphinxTranscriber()));
    for (const [parts, lead] of [
      [2, 0],
      [2, LEAD_IN_SEC],
      [2, 6],
      [4, LEAD_IN_SEC],
    ] as const) {
      const name = `pocketsphinx ${parts} chunks, lead-in ${lead} s${lead === LEAD_IN_SEC ? " (default)" : ""}`;
      if (want(name)) rows.push(await run(name, new PocketsphinxTranscriber({ parallelism: parts, leadInSec: lead })));
    }
    if (want("text-only stand-in + alignment")) {
      server.setScript(script);
      rows.push(await run("text-only stand-in + alignment", textOnly()));
    }
    if (want("text-only stand-in + proportional only")) {
      server.setScript(script);
      rows.push(await run("text-only stand-in + proportional only", textOnly("/nonexistent/dictionary")));
    }
    const realModel = process.env.WHISPER_MODEL_PATH;
    const unavailable = whisperUnavailableReason();
    if (!want("whisper")) {
      // not asked for
    } else if (unavailable)
      rows.push({ name: "whisper", transcript: null, seconds: 0, note: `cannot run here: ${unavailable}` });
    else {
      const model = readWhisperModelInfo(
        realModel ? (findWhisperModel(realModel) ?? realModel) : await testWhisperModel(),
      );
      const row = await run(`whisper (${model.name})`, new WhisperTranscriber({ model }));
      // A generated model's words are noise: only its speed means something.
      rows.push(
        realModel
          ? row
          : {
              ...row,
              transcript: null,
              note: `generated model: RTF ${(row.seconds / speech.durationSec).toFixed(2)} only`,
            },
      );
    }

    console.log("\nbackend                                  WER    onsets≤300ms  median   p90      RTF    timing");
    for (const row of rows) {
      if (!row.transcript) {
        console.log(`${row.name.padEnd(40)} —      —             —        —        —      ${row.note ?? ""}`);
        continue;
      }
      const words = row.transcript.words;
      const wer = wordErrorRate(script, words.map((w) => w.text).join(" "));
      const onsets = sentenceOnsets(speech.sentences, words);
      const ms = (s: number | null) => (s === null ? "—" : `${Math.round(s * 1000)} ms`);
      const alignment = row.transcript.alignment;
      const timing = alignment
        ? `aligned: ${alignment.forced} forced, ${alignment.proportional} proportional chunks`
        : row.transcript.wordTiming;
      console.log(
        `${row.name.padEnd(40)} ${`${(wer * 100).toFixed(1)}%`.padEnd(6)} ${`${(onsets.shareWithin * 100).toFixed(0)}%`.padEnd(13)} ${ms(onsets.median).padEnd(8)} ${ms(onsets.p90).padEnd(8)} ${(row.seconds / speech.durationSec).toFixed(2).padEnd(6)} ${timing}`,
      );
    }

    // The evidence for pocketsphinx's guessed full stops: pauses it leaves at sentence ends vs. inside.
    const sphinx = rows[0]?.transcript;
    if (sphinx) {
      const stops = sphinx.words.filter((w) => w.text.endsWith(".")).length;
      console.log(
        `\npocketsphinx guessed punctuation (pause ≥ ${SENTENCE_PAUSE_SEC} s): ${stops} full stops for ${BENCH_SENTENCES.length} sentences`,
      );
      // The word nearest each true onset opens a sentence; the pause before it is a sentence-end pause.
      const words = sphinx.words;
      const openers = new Set(
        speech.sentences.slice(1).map((sentence) => {
          let best = 1;
          words.forEach((w, i) => {
            if (i > 0 && Math.abs(w.start - sentence.start) < Math.abs((words[best]?.start ?? 0) - sentence.start))
              best = i;
          });
          return best;
        }),
      );
      const gapBefore = (i: number) => (words[i]?.start ?? 0) - (words[i - 1]?.end ?? 0);
      const indices = words.map((_, i) => i).slice(1);
      const atEnds = indices.filter((i) => openers.has(i)).map(gapBefore);
      const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(" ");
      const inside = indices.filter((i) => !openers.has(i)).map(gapBefore);
      console.log(`  pauses before sentence onsets: ${fmt(atEnds.sort((a, b) => a - b))}`);
      console.log(`  largest pauses inside sentences: ${fmt(inside.sort((a, b) => b - a).slice(0, 8))}`);
    }
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
