// How natural a break between two adjacent words is, for cue breaks and line breaks alike. Subtitle
// style guides (BBC, Netflix) ask for breaks that follow the grammar: after a sentence, then after a
// clause, then before a conjunction or preposition — never after one, which leaves the reader hanging.

import type { TimedWord } from "./input-words";

/** Costs in arbitrary units; only their order and rough ratios matter. */
export const BREAK_COST = {
  sentenceEnd: 0,
  clauseEnd: 2,
  midPhrase: 6,
  /** Subtracted when the next word opens a phrase ("… | and then"). */
  beforePhraseOpener: 2,
  /** Added when the previous word needs what follows it ("the | car", "because | it"). */
  afterDanglingWord: 6,
  /** Most a pause can subtract; a pause is a spoken phrase boundary even without punctuation. */
  pauseBonus: 3,
  /** Pause length (ms) that earns the whole bonus. */
  pauseForFullBonusMs: 500,
} as const;

const CLOSERS = "\"'”’»)\\]";
const SENTENCE_END = new RegExp(`[.?!…][${CLOSERS}]*$`);
const CLAUSE_END = new RegExp(`[,;:—–][${CLOSERS}]*$`);
const DASH = /^[-—–]+$/;

// A full stop after these does not end a sentence.
const ABBREVIATIONS = new Set(words("mr. mrs. ms. dr. prof. st. mt. vs. jr. sr. e.g. i.e."));

const CONJUNCTIONS = words(
  "and but or nor so yet because although though while whereas if unless until when whenever where since " +
    "than that which who whom whose whether",
);
const PREPOSITIONS = words(
  "to of in on at for with from by about into onto over under after before between through during without " +
    "within against among around across toward towards upon like as",
);
// Determiners bind to the noun after them, so they make bad line ends but do not open a phrase better
// than any other word does.
const DETERMINERS = words("a an the my your our their its this these those");

const PHRASE_OPENERS = new Set([...CONJUNCTIONS, ...PREPOSITIONS]);
const DANGLING_WORDS = new Set([...CONJUNCTIONS, ...PREPOSITIONS, ...DETERMINERS]);

/** Cost of ending a line or cue after `before` and starting the next one with `after`. */
export function breakCost(before: TimedWord, after: TimedWord): number {
  return Math.max(0, grammarCost(before.text, after.text) - pauseBonus(after.start - before.end));
}

export function endsSentence(text: string): boolean {
  return SENTENCE_END.test(text) && !ABBREVIATIONS.has(text.toLowerCase());
}

function grammarCost(before: string, after: string): number {
  if (endsSentence(before)) return BREAK_COST.sentenceEnd;
  if (CLAUSE_END.test(before) || DASH.test(before)) return BREAK_COST.clauseEnd;
  let cost: number = BREAK_COST.midPhrase;
  if (PHRASE_OPENERS.has(bareWord(after)) || DASH.test(after)) cost -= BREAK_COST.beforePhraseOpener;
  if (DANGLING_WORDS.has(bareWord(before))) cost += BREAK_COST.afterDanglingWord;
  return cost;
}

function pauseBonus(gapMs: number): number {
  const share = Math.min(1, Math.max(0, gapMs) / BREAK_COST.pauseForFullBonusMs);
  return share * BREAK_COST.pauseBonus;
}

function words(list: string): string[] {
  return list.split(" ");
}

function bareWord(text: string): string {
  return text.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
}
