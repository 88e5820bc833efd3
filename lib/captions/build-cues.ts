// Groups timed words into cues following broadcast subtitle practice (BBC, Netflix). Each stretch of
// speech between long silences is split by dynamic programming: of all ways to cut it into cues that
// fit the line rules and the maximum duration, take the cheapest, where cost rewards grammatical breaks
// (sentence, clause, before a conjunction), breaks at pauses, well-shaped lines, fewer cues, and cues
// that can stay up long enough to be read. Exhaustive search within a stretch is cheap: a cue holds at
// most ~20 words, so each word is tried as a cue end against ~20 starts.

import { layoutLines } from "./break-lines";
import { displayTimes, readingTimeMs, type SpokenSpan, type TimingLimits, timingLimits } from "./cue-timing";
import { type CaptionInput, collectWords, type TimedWord } from "./input-words";
import { type Cue, type CueRules, DEFAULT_CUE_RULES } from "./types";
import { spanLength, tabulateWords, type WordTable } from "./word-table";

/** Cost weights for the cue search; units are those of BREAK_COST. */
export const CUE_COST = {
  /** Per cue, so fewer, fuller cues win when breaks are otherwise equal. */
  perCue: 2,
  /**
   * Multiplies the grammar cost of the break between two cues: lines of one cue are read together, but
   * a cue break makes the viewer hold the thought across a screen change.
   */
  cueBreakWeight: 2,
  /** A cue that cannot stay up for the minimum duration before the next one must start. */
  tooShort: 40,
  /** Scaled by the share of reading time missing (0–1). */
  tooFast: 15,
  /** Per second of pause inside a cue beyond `freePauseMs`: the cue shows text well before it is said. */
  pauseInsidePerSec: 6,
  freePauseMs: 300,
} as const;

interface PlannedCue {
  from: number;
  end: number;
  lines: string[];
}

/** Captions for a transcript: word timings when given, else segments; [] when there is nothing to say. */
export function buildCues(input: CaptionInput, rules: CueRules = DEFAULT_CUE_RULES): Cue[] {
  assertUsableRules(rules);
  const words = collectWords(input);
  if (words.length === 0) return [];
  const search: CueSearch = {
    table: tabulateWords(words),
    pauseCostBefore: pauseCostPrefix(words),
    lineLimits: { maxChars: rules.maxCharsPerLine, maxLines: rules.maxLines },
    limits: timingLimits(rules),
  };
  const maxGapMs = Math.round(rules.maxGapSec * 1000);
  const planned = silenceSeparatedRuns(words, maxGapMs).flatMap(([from, end]) => planRun(search, from, end));
  const times = displayTimes(
    planned.map((cue) => spokenSpan(search.table, cue)),
    search.limits,
  );
  return planned.map((cue, i) => {
    const time = times[i] ?? { start: 0, end: 0 };
    return { start: time.start / 1000, end: time.end / 1000, lines: cue.lines };
  });
}

// Rules come from configuration; a zero or NaN would not fail loudly but quietly produce one cue per word.
function assertUsableRules(rules: CueRules): void {
  const problems = [
    Number.isInteger(rules.maxCharsPerLine) && rules.maxCharsPerLine >= 1 ? "" : "maxCharsPerLine",
    Number.isInteger(rules.maxLines) && rules.maxLines >= 1 ? "" : "maxLines",
    rules.minDurationSec >= 0 ? "" : "minDurationSec",
    rules.maxDurationSec > 0 && rules.maxDurationSec >= rules.minDurationSec ? "" : "maxDurationSec",
    rules.maxCharsPerSecond > 0 ? "" : "maxCharsPerSecond",
    rules.maxGapSec >= 0 ? "" : "maxGapSec",
  ].filter((name) => name !== "");
  if (problems.length > 0) throw new RangeError(`unusable caption rules: ${problems.join(", ")}`);
}

// [from, end) index ranges of words with no silence longer than maxGapMs inside them.
function silenceSeparatedRuns(words: TimedWord[], maxGapMs: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let from = 0;
  let latestEnd = words[0]?.end ?? 0;
  words.forEach((word, i) => {
    if (i > 0 && word.start - latestEnd > maxGapMs) {
      runs.push([from, i]);
      from = i;
    }
    latestEnd = Math.max(latestEnd, word.end);
  });
  runs.push([from, words.length]);
  return runs;
}

interface CueSearch {
  table: WordTable;
  /** pauseCostBefore[k]: cost of the pauses before words 1..k (see pauseCostPrefix). */
  pauseCostBefore: number[];
  lineLimits: { maxChars: number; maxLines: number };
  limits: TimingLimits;
}

interface Step {
  cost: number;
  from: number;
  lines: string[];
}

function planRun(search: CueSearch, runFrom: number, runEnd: number): PlannedCue[] {
  const { table, pauseCostBefore, lineLimits, limits } = search;
  // best[j - runFrom]: cheapest way to caption words runFrom..j-1, and where its last cue starts.
  const best: Array<Step | undefined> = [{ cost: 0, from: -1, lines: [] }];
  for (let end = runFrom + 1; end <= runEnd; end++) {
    let latestEnd = 0;
    for (let from = end - 1; from >= runFrom; from--) {
      latestEnd = Math.max(latestEnd, table.words[from]?.end ?? 0);
      const spoken = latestEnd - (table.words[from]?.start ?? 0);
      // Widening a cue only makes it longer and wordier, so the first misfit ends the search.
      if (end - from > 1 && spoken > limits.maxMs) break;
      const layout = layoutLines(table, from, end, lineLimits);
      if (!layout) break;
      // A cue must be readable within the maximum duration (only tight custom rules ever hit this).
      if (end - from > 1 && readingTimeMs(spanLength(table, from, end), limits) > limits.maxMs) break;
      const before = best[from - runFrom];
      if (!before) continue;
      const cost =
        before.cost +
        CUE_COST.perCue +
        layout.cost +
        (end < runEnd ? (table.breakAfter[end - 1] ?? 0) * CUE_COST.cueBreakWeight : 0) +
        (pauseCostBefore[end - 1] ?? 0) -
        (pauseCostBefore[from] ?? 0) +
        timingCost(table, from, end, limits);
      const current = best[end - runFrom];
      if (!current || cost < current.cost) best[end - runFrom] = { cost, from, lines: layout.lines };
    }
  }
  return backtrack(best, runFrom, runEnd);
}

// pauseCostPrefix[k]: cost of the pauses before words 1..k, so a cue's inner pauses cost
// prefix[end - 1] - prefix[from].
function pauseCostPrefix(words: TimedWord[]): number[] {
  const prefix = [0];
  for (let k = 1; k < words.length; k++) {
    const gap = (words[k]?.start ?? 0) - (words[k - 1]?.end ?? 0);
    const excess = Math.max(0, gap - CUE_COST.freePauseMs) / 1000;
    prefix.push((prefix[k - 1] ?? 0) + excess * CUE_COST.pauseInsidePerSec);
  }
  return prefix;
}

// Judges a candidate cue by the time it could stay up before the next word (the next cue's start).
function timingCost(table: WordTable, from: number, end: number, limits: TimingLimits): number {
  const start = table.words[from]?.start ?? 0;
  const nextStart = table.words[end]?.start ?? Number.POSITIVE_INFINITY;
  const available = Math.min(limits.maxMs, nextStart - start - limits.gapMs);
  let cost = 0;
  if (available < limits.minMs) cost += CUE_COST.tooShort;
  const needed = spanLength(table, from, end) * limits.msPerChar;
  if (needed > available) cost += (CUE_COST.tooFast * (needed - Math.max(0, available))) / needed;
  return cost;
}

function backtrack(best: Array<Step | undefined>, runFrom: number, runEnd: number): PlannedCue[] {
  const cues: PlannedCue[] = [];
  let end = runEnd;
  while (end > runFrom) {
    const step = best[end - runFrom];
    if (!step) throw new Error(`no cue plan reaches word ${end}`);
    cues.push({ from: step.from, end, lines: step.lines });
    end = step.from;
  }
  return cues.reverse();
}

function spokenSpan(table: WordTable, cue: PlannedCue): SpokenSpan {
  const words = table.words.slice(cue.from, cue.end);
  return {
    start: words[0]?.start ?? 0,
    speechEnd: Math.max(...words.map((word) => word.end)),
    chars: spanLength(table, cue.from, cue.end),
  };
}
