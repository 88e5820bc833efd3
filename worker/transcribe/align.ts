import { readFile, writeFile } from "node:fs/promises";
import type { Word } from "../../lib/captions/types";
import { runSubprocess } from "../subprocess";
import { parsePocketsphinxLine } from "./pocketsphinx";

// Times the words of a text-only transcript (gpt-transcribe and other models that return no timestamps)
// inside one short chunk of audio whose edges are known times (the chunk was cut at silences).
//
// 1. Forced alignment: pocketsphinx decodes the chunk against a grammar that allows exactly the
//    transcript's words in order (`-jsgf`, a linear JSGF rule), so it only has to find where each word
//    sits, not what was said. `-remove_silence no` keeps the chunk one utterance: with its voice
//    activity detection on, a pause inside the chunk splits it and the grammar then matches nothing.
//    Words the US English dictionary lacks (names, numbers) get a rough spelling-based pronunciation in
//    a per-chunk dictionary, so the grammar keeps a slot of about the right length for them.
// 2. Proportional fallback, when alignment is impossible (too few dictionary words, the recogniser fails
//    or returns another word sequence): the words are laid over the chunk's voiced time (the chunk minus
//    the silences ffmpeg found) in proportion to their length in letters, which tracks syllables.
// The model's casing and punctuation are kept: only times are added.

export const POCKETSPHINX_DICTIONARY = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
/** Below this share of words in the dictionary, alignment would be guesswork: use the proportional method. */
const MIN_KNOWN_SHARE = 0.6;

// A rough letter-to-phone spelling (CMU phone set) for words the dictionary lacks: not a pronunciation,
// a slot of about the right length, so the words around it keep their own times.
// biome-ignore format: a table reads better than one entry per line
const LETTER_PHONES: Record<string, string> = {
  a: "AE", b: "B", c: "K", d: "D", e: "EH", f: "F", g: "G", h: "HH", i: "IH", j: "JH", k: "K", l: "L", m: "M",
  n: "N", o: "AA", p: "P", q: "K", r: "R", s: "S", t: "T", u: "AH", v: "V", w: "W", x: "K S", y: "Y", z: "Z",
};
const DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

export interface TimeRange {
  start: number;
  end: number;
}

export interface AlignInput {
  /** The model's text for this chunk, punctuated and cased as it came. */
  text: string;
  /** 16 kHz mono s16le WAV of the chunk alone (times below are relative to its start). */
  wavPath: string;
  durationSec: number;
  /** Silences inside the chunk, relative to its start (from ffmpeg silencedetect). */
  silences: readonly TimeRange[];
  /** Where the grammar file goes. */
  grammarPath: string;
  signal: AbortSignal;
  timeoutMs: number;
  dictionaryPath?: string;
  binary?: string;
}

export interface AlignResult {
  words: Word[];
  method: "forced" | "proportional";
  /** Why the fallback was used (for the job's timeline and support). */
  fallbackReason?: string;
}

/** Times every word of `input.text` inside the chunk; never fails for lack of alignment (falls back). */
export async function alignChunk(input: AlignInput): Promise<AlignResult> {
  const tokens = input.text.split(/\s+/).filter((token) => token !== "");
  if (tokens.length === 0) return { words: [], method: "forced" };
  const voiced = voicedSpans(input.durationSec, input.silences);
  const proportional = (reason: string): AlignResult => ({
    words: spreadOverVoiced(tokens, voiced),
    method: "proportional",
    fallbackReason: reason,
  });

  const dictionary = await loadDictionary(input.dictionaryPath ?? POCKETSPHINX_DICTIONARY).catch(() => null);
  if (!dictionary) return proportional("no-dictionary");
  const known = tokens.map((token) => dictionaryKeys(token, dictionary));
  if (known.filter((k) => k !== null).length / tokens.length < MIN_KNOWN_SHARE) {
    return proportional("too-few-known-words");
  }
  // Unknown tokens become pseudo-words with a spelled pronunciation; tokens with nothing to say get none.
  const spelled = new Map<string, string>();
  const keys = known.map((key, i) => {
    if (key) return key;
    const phones = spelledPhones(tokens[i] ?? "", dictionary);
    if (!phones) return null;
    const pseudo = `unknownword${i}`;
    spelled.set(pseudo, phones);
    return [pseudo];
  });

  const grammarWords = keys.flatMap((k) => k ?? []);
  const dictionaryPath = `${input.grammarPath}.dict`;
  await writeFile(input.grammarPath, linearGrammar(grammarWords));
  await writeFile(dictionaryPath, chunkDictionary(grammarWords, dictionary, spelled));
  let stdout: string;
  try {
    ({ stdout } = await runSubprocess(
      input.binary ?? "pocketsphinx_continuous",
      [
        ...["-infile", input.wavPath, "-jsgf", input.grammarPath, "-time", "yes"],
        ...["-dict", dictionaryPath, "-remove_silence", "no", "-logfn", "/dev/null"],
      ],
      { timeoutMs: input.timeoutMs, signal: input.signal },
    ));
  } catch (error) {
    // Cancel must stop the job, not degrade it.
    if (input.signal.aborted) throw error;
    return proportional("recogniser-failed");
  }
  const timed = stdout
    .split("\n")
    .map(parsePocketsphinxLine)
    .filter((line) => line?.kind === "word");
  if (timed.length !== grammarWords.length || timed.some((line, i) => line.text.toLowerCase() !== grammarWords[i])) {
    return proportional("no-alignment");
  }

  // Back from grammar words to the model's tokens: a token spans its parts; unknown tokens get no time yet.
  const spans: (TimeRange | null)[] = [];
  let next = 0;
  for (const key of keys) {
    if (key === null) {
      spans.push(null);
      continue;
    }
    const first = timed[next];
    const last = timed[next + key.length - 1];
    next += key.length;
    spans.push(first && last ? { start: first.start, end: last.end } : null);
  }
  const filled = fillGaps(tokens, spans, input.durationSec);
  return {
    words: tokens.map((text, i) => ({ text, ...snapOutOfSilence(filled[i] ?? { start: 0, end: 0 }, input.silences) })),
    method: "forced",
  };
}

/** A JSGF grammar matching exactly `words` in order. */
export function linearGrammar(words: readonly string[]): string {
  return `#JSGF V1.0;\ngrammar chunk;\npublic <chunk> = ${words.join(" ")};\n`;
}

/**
 * The dictionary words a token is spoken as ("Friday," → ["friday"], "well-known" → ["well", "known"]),
 * or null when any part is missing from the dictionary.
 */
export function dictionaryKeys(token: string, dictionary: ReadonlyMap<string, string[]>): string[] | null {
  const parts = token
    .toLowerCase()
    .replace(/[’]/g, "'")
    .split(/[-–—/]+/)
    .map((part) => part.replace(/^[^a-z']+|[^a-z']+$/g, "").replace(/^'+|'+$/g, ""))
    .filter((part) => part !== "");
  if (parts.length === 0) return null;
  return parts.every((part) => /^[a-z][a-z']*$/.test(part) && dictionary.has(part)) ? parts : null;
}

/** A rough pronunciation of a word the dictionary lacks: letters to phones, digits as their words. */
export function spelledPhones(token: string, dictionary: ReadonlyMap<string, string[]>): string | null {
  const phones: string[] = [];
  let previous = "";
  for (const char of token.toLowerCase()) {
    if (char === previous) continue;
    previous = char;
    const digit = DIGIT_WORDS[Number(char)];
    if (/\d/.test(char) && digit) phones.push(dictionary.get(digit)?.[0] ?? "");
    else if (LETTER_PHONES[char]) phones.push(LETTER_PHONES[char]);
  }
  const text = phones.filter((p) => p !== "").join(" ");
  return text === "" ? null : text;
}

/** The words of one grammar with their pronunciations: the real dictionary's, and the spelled ones. */
function chunkDictionary(
  words: readonly string[],
  dictionary: ReadonlyMap<string, string[]>,
  spelled: ReadonlyMap<string, string>,
): string {
  const lines: string[] = [];
  for (const word of new Set(words)) {
    const pronunciations = dictionary.get(word) ?? [spelled.get(word) ?? ""];
    pronunciations.forEach((phones, i) => {
      lines.push(`${i === 0 ? word : `${word}(${i + 1})`} ${phones}`);
    });
  }
  return `${lines.join("\n")}\n`;
}

/** The chunk minus its silences: where speech can be. The whole chunk when it has no silence at all. */
export function voicedSpans(durationSec: number, silences: readonly TimeRange[]): TimeRange[] {
  const spans: TimeRange[] = [];
  let cursor = 0;
  for (const silence of [...silences].sort((a, b) => a.start - b.start)) {
    const start = Math.max(0, silence.start);
    if (start > cursor) spans.push({ start: cursor, end: Math.min(start, durationSec) });
    cursor = Math.max(cursor, silence.end);
  }
  if (cursor < durationSec) spans.push({ start: cursor, end: durationSec });
  const voiced = spans.filter((span) => span.end - span.start > 0.01);
  return voiced.length > 0 ? voiced : [{ start: 0, end: durationSec }];
}

/**
 * Lays tokens over the voiced spans, each taking voiced time in proportion to its letters (+1 for the
 * gap after it): a documented approximation that tracks syllable count, used when alignment fails.
 */
export function spreadOverVoiced(tokens: readonly string[], voiced: readonly TimeRange[]): Word[] {
  const weights = tokens.map(tokenWeight);
  const total = weights.reduce((sum, w) => sum + w, 0);
  const voicedTotal = voiced.reduce((sum, span) => sum + (span.end - span.start), 0);
  const at = (share: number): number => {
    let left = share * voicedTotal;
    for (const span of voiced) {
      const length = span.end - span.start;
      if (left < length) return span.start + left;
      left -= length;
    }
    return voiced.at(-1)?.end ?? 0;
  };
  let before = 0;
  return tokens.map((text, i) => {
    const weight = weights[i] ?? 1;
    // The end is taken just inside the word's share, so a word never ends in the silence after its span.
    const word = { text, start: at(before / total), end: at((before + weight - 1) / total) };
    before += weight;
    return { ...word, end: Math.max(word.start, word.end) };
  });
}

function tokenWeight(token: string): number {
  return (token.match(/[\p{L}\p{N}]/gu)?.length ?? 0) + 1;
}

/** Unaligned tokens share the time between their aligned neighbours, by length. */
function fillGaps(tokens: readonly string[], spans: readonly (TimeRange | null)[], durationSec: number): TimeRange[] {
  const result: TimeRange[] = [];
  let i = 0;
  while (i < spans.length) {
    const span = spans[i];
    if (span) {
      result.push(span);
      i++;
      continue;
    }
    let j = i;
    while (j < spans.length && !spans[j]) j++;
    const from = result.at(-1)?.end ?? 0;
    const to = spans[j]?.start ?? durationSec;
    const run = spreadOverVoiced(tokens.slice(i, j), [{ start: from, end: Math.max(from, to) }]);
    for (const word of run) result.push({ start: word.start, end: word.end });
    i = j;
  }
  return result;
}

/** A word the aligner started inside a detected silence (the leading pause of a chunk) starts where it ends. */
function snapOutOfSilence(span: TimeRange, silences: readonly TimeRange[]): TimeRange {
  for (const silence of silences) {
    if (span.start >= silence.start && span.start < silence.end && silence.end < span.end) {
      return { start: silence.end, end: span.end };
    }
  }
  return span;
}

let dictionaryCache: { path: string; words: Promise<Map<string, string[]>> } | null = null;

/** The recogniser's pronunciation dictionary: word → its pronunciations (variants like `read(2)` folded), read once. */
function loadDictionary(path: string): Promise<Map<string, string[]>> {
  if (dictionaryCache?.path !== path) {
    const words = readFile(path, "utf8").then((text) => {
      const map = new Map<string, string[]>();
      for (const line of text.split("\n")) {
        const space = line.indexOf(" ");
        if (space <= 0) continue;
        const word = line.slice(0, space).replace(/\(\d+\)$/, "");
        const phones = line.slice(space + 1).trim();
        const known = map.get(word);
        if (known) known.push(phones);
        else map.set(word, [phones]);
      }
      return map;
    });
    // A failed read is not cached: the next chunk tries again.
    words.catch(() => {
      dictionaryCache = null;
    });
    dictionaryCache = { path, words };
  }
  return dictionaryCache.words;
}
