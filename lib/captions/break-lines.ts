// Lays one cue's words out on lines. Fewest lines first (a cue that fits on one line stays on one),
// then the split with the most natural break and the best shape: balanced or bottom-heavy (the eye
// reads the short top line and drops to the longer one), never a lone word when another split exists.

import { sentenceEndsInside, spanLength, spanText, type WordTable } from "./word-table";

export const LINE_SHAPE_COST = {
  /** Per character the upper line is longer than the one below it. */
  topHeavyPerChar: 0.15,
  /** Per character the lower line is longer: mild, since bottom-heavy is the preferred shape. */
  bottomHeavyPerChar: 0.08,
  oneWordLine: 4,
  /** Per sentence that ends mid-line: a new sentence should start a line (or better, a cue). */
  sentenceEndMidLine: 3,
} as const;

export interface LineLayout {
  lines: string[];
  cost: number;
}

interface LineLimits {
  maxChars: number;
  maxLines: number;
}

/**
 * Best layout of words from..end-1 in at most `maxLines` lines of `maxChars`, or null when they do not
 * fit. A word longer than a line may sit on a line of its own: it is never dropped or cut.
 */
export function layoutLines(table: WordTable, from: number, end: number, limits: LineLimits): LineLayout | null {
  for (let lineCount = 1; lineCount <= limits.maxLines; lineCount++) {
    let best: { ends: number[]; cost: number } | null = null;
    for (const ends of lineEnds(table, limits.maxChars, lineCount, from, end)) {
      const cost = splitCost(table, limits.maxChars, from, ends);
      if (!best || cost < best.cost) best = { ends, cost };
    }
    if (best) return { lines: linesOf(table, from, best.ends), cost: best.cost };
  }
  return null;
}

// Every way to cut words from..end-1 into exactly `lineCount` lines that each fit, as exclusive ends.
function* lineEnds(
  table: WordTable,
  maxChars: number,
  lineCount: number,
  from: number,
  end: number,
): Generator<number[]> {
  if (lineCount === 1) {
    if (fitsLine(table, maxChars, from, end)) yield [end];
    return;
  }
  for (let cut = from + 1; cut <= end - (lineCount - 1) && fitsLine(table, maxChars, from, cut); cut++) {
    for (const rest of lineEnds(table, maxChars, lineCount - 1, cut, end)) yield [cut, ...rest];
  }
}

function fitsLine(table: WordTable, maxChars: number, from: number, end: number): boolean {
  return end - from === 1 || spanLength(table, from, end) <= maxChars;
}

function splitCost(table: WordTable, maxChars: number, from: number, ends: number[]): number {
  let cost = 0;
  let lineStart = from;
  let upperLength: number | null = null;
  ends.forEach((lineEnd, i) => {
    const length = spanLength(table, lineStart, lineEnd);
    if (upperLength !== null) cost += shapeCost(upperLength, length);
    // An over-long word has to sit alone; only a word that could have had company counts as lonely.
    if (ends.length > 1 && lineEnd - lineStart === 1 && length <= maxChars) {
      cost += LINE_SHAPE_COST.oneWordLine;
    }
    cost += sentenceEndsInside(table, lineStart, lineEnd) * LINE_SHAPE_COST.sentenceEndMidLine;
    if (i < ends.length - 1) cost += table.breakAfter[lineEnd - 1] ?? 0;
    upperLength = length;
    lineStart = lineEnd;
  });
  return cost;
}

function shapeCost(upper: number, lower: number): number {
  return upper > lower
    ? (upper - lower) * LINE_SHAPE_COST.topHeavyPerChar
    : (lower - upper) * LINE_SHAPE_COST.bottomHeavyPerChar;
}

function linesOf(table: WordTable, from: number, ends: number[]): string[] {
  return ends.map((lineEnd, i) => spanText(table, i === 0 ? from : (ends[i - 1] ?? from), lineEnd));
}
