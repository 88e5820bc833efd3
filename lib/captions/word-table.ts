// Per-word facts the cue search asks for thousands of times (a word is considered in ~20 candidate cues
// and each candidate tries every line split), computed once.

import { breakCost, endsSentence } from "./break-quality";
import type { TimedWord } from "./input-words";
import { displayLength } from "./text-length";

export interface WordTable {
  words: TimedWord[];
  /** breakAfter[i]: cost of a line or cue break between word i and word i + 1 (0 after the last). */
  breakAfter: number[];
  /** lengthBefore[i]: display length of words 0..i-1, spaces not included. */
  lengthBefore: number[];
  /** sentenceEndsBefore[i]: how many of words 0..i-1 end a sentence. */
  sentenceEndsBefore: number[];
}

export function tabulateWords(words: TimedWord[]): WordTable {
  const breakAfter = words.map((word, i) => {
    const next = words[i + 1];
    return next ? breakCost(word, next) : 0;
  });
  const lengthBefore = [0];
  for (const word of words) lengthBefore.push((lengthBefore.at(-1) ?? 0) + displayLength(word.text));
  const sentenceEndsBefore = [0];
  for (const word of words)
    sentenceEndsBefore.push((sentenceEndsBefore.at(-1) ?? 0) + (endsSentence(word.text) ? 1 : 0));
  return { words, breakAfter, lengthBefore, sentenceEndsBefore };
}

/** How many sentences end inside words from..end-1, not counting one ending at its last word. */
export function sentenceEndsInside(table: WordTable, from: number, end: number): number {
  return Math.max(0, (table.sentenceEndsBefore[end - 1] ?? 0) - (table.sentenceEndsBefore[from] ?? 0));
}

/** Display length of words from..end-1 joined by single spaces. */
export function spanLength(table: WordTable, from: number, end: number): number {
  return (table.lengthBefore[end] ?? 0) - (table.lengthBefore[from] ?? 0) + Math.max(0, end - from - 1);
}

/** Words from..end-1 joined by single spaces. */
export function spanText(table: WordTable, from: number, end: number): string {
  return table.words
    .slice(from, end)
    .map((word) => word.text)
    .join(" ");
}
