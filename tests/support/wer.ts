// Word error rate for judging recognisers in tests: (substitutions + deletions + insertions) / reference
// words, after both sides are normalised the same way. Test scripts should avoid digits (flite and
// recognisers disagree on how to say "1999"); plain integers are still spelled out so that an API
// answering "15" for "fifteen" is not counted as wrong.

const ONES = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

export function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = normaliseWords(reference);
  const hyp = normaliseWords(hypothesis);
  if (ref.length === 0) return hyp.length === 0 ? 0 : 1;
  return editDistance(ref, hyp) / ref.length;
}

/** Lower case, no punctuation, apostrophes dropped ("don't" = "dont"), hyphens split, integers spelled out. */
export function normaliseWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/(\d),(?=\d{3}\b)/g, "$1")
    .replace(/['’]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .split(" ")
    .filter((word) => word !== "")
    .flatMap((word) => (/^\d+$/.test(word) ? spellInteger(Number(word)) : [word]));
}

/** English words for 0 ≤ n < 1,000,000 ("one hundred twenty three"); larger numbers stay digits. */
export function spellInteger(n: number): string[] {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1_000_000) return [String(n)];
  if (n < 20) return [ONES[n] ?? String(n)];
  if (n < 100) {
    const tens = TENS[Math.floor(n / 10)] ?? "";
    return n % 10 === 0 ? [tens] : [tens, ONES[n % 10] ?? ""];
  }
  if (n < 1000) {
    const rest = n % 100;
    return [ONES[Math.floor(n / 100)] ?? "", "hundred", ...(rest ? spellInteger(rest) : [])];
  }
  const rest = n % 1000;
  return [...spellInteger(Math.floor(n / 1000)), "thousand", ...(rest ? spellInteger(rest) : [])];
}

/** Levenshtein distance over words, two rows at a time. */
function editDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
