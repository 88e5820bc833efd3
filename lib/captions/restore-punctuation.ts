// OpenAI's verbose_json gives per-word timings without punctuation or with different casing, while the
// segment text beside them is punctuated. Punctuation drives where cues break, so copy it back from the
// segment text onto the timed words wherever the two agree on the word.

import type { Segment, Word } from "./types";

// How far ahead in the segment text to look for a word: enough to step over a few tokens the two sides
// split differently, small enough that a common word ("the") cannot match one far away.
const LOOKAHEAD_TOKENS = 8;

/** `words`, each text replaced by the matching (punctuated) token of the segments' text where one matches. */
export function restorePunctuation(words: Word[], segments: Segment[]): Word[] {
  const tokens = segments.flatMap((segment) => segment.text.split(/\s+/).filter((token) => token.length > 0));
  if (tokens.length === 0) return words;
  const keys = tokens.map(matchKey);
  let next = 0;
  return words.map((word) => {
    const key = matchKey(word.text);
    if (key === "") return word;
    const limit = Math.min(keys.length, next + LOOKAHEAD_TOKENS);
    for (let k = next; k < limit; k++) {
      if (keys[k] !== key) continue;
      next = k + 1;
      return { ...word, text: tokens[k] ?? word.text };
    }
    return word;
  });
}

// Two spellings are the same word when they differ only in case and punctuation.
function matchKey(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}
