import type { Word } from "../../lib/captions/types";
import type { TimedSentence } from "./make-media";
import { normaliseWords } from "./wer";

// Sentence onset error: how far the time a recogniser gives the first word of each sentence is from the
// moment that sentence really starts. Words are matched to the script by a minimum-edit alignment (the
// same normalisation as WER); a sentence whose first word has no matching word counts as missed.

export interface OnsetReport {
  /** Seconds, per sentence; null when the sentence's first word was not recognised. */
  errors: (number | null)[];
  /** Share of sentences whose onset is within `withinSec` of the truth (missed ones count as outside). */
  shareWithin: number;
  median: number | null;
  p90: number | null;
}

export function sentenceOnsets(truth: readonly TimedSentence[], words: readonly Word[], withinSec = 0.3): OnsetReport {
  const ref: { key: string; sentence: number; first: boolean }[] = [];
  truth.forEach((sentence, index) => {
    normaliseWords(sentence.text).forEach((key, i) => {
      ref.push({ key, sentence: index, first: i === 0 });
    });
  });
  const hyp = words.flatMap((word) => normaliseWords(word.text).map((key) => ({ key, start: word.start })));
  const matched = alignTokens(
    ref.map((r) => r.key),
    hyp.map((h) => h.key),
  );
  const errors: (number | null)[] = truth.map(() => null);
  ref.forEach((token, i) => {
    const j = matched[i];
    const sentence = truth[token.sentence];
    if (!token.first || j === undefined || j === null || !sentence) return;
    errors[token.sentence] = Math.abs((hyp[j]?.start ?? Number.NaN) - sentence.start);
  });
  const known = errors.filter((e): e is number => e !== null).sort((a, b) => a - b);
  const quantile = (q: number) =>
    known.length ? (known[Math.min(known.length - 1, Math.floor(q * known.length))] ?? null) : null;
  return {
    errors,
    shareWithin: errors.filter((e) => e !== null && e <= withinSec).length / Math.max(1, truth.length),
    median: quantile(0.5),
    p90: quantile(0.9),
  };
}

/** For each reference token, the index of the hypothesis token it is matched to (equal keys only), or null. */
function alignTokens(ref: readonly string[], hyp: readonly string[]): (number | null)[] {
  const n = ref.length;
  const m = hyp.length;
  const cost = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: m + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const row = cost[i] as number[];
      const up = cost[i - 1] as number[];
      row[j] = Math.min(
        (up[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1),
        (up[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
      );
    }
  }
  const matched: (number | null)[] = ref.map(() => null);
  let i = n;
  let j = m;
  while (i > 0 && j > 0) {
    const here = cost[i]?.[j] ?? 0;
    const same = ref[i - 1] === hyp[j - 1];
    if (here === (cost[i - 1]?.[j - 1] ?? 0) + (same ? 0 : 1)) {
      if (same) matched[i - 1] = j - 1;
      i--;
      j--;
    } else if (here === (cost[i - 1]?.[j] ?? 0) + 1) i--;
    else j--;
  }
  return matched;
}
