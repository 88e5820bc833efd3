// Line limits count what the viewer sees, so count user-perceived characters (graphemes), not UTF-16
// code units: "é" written as e + combining accent, or an emoji, is one character on screen.

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Number of characters a viewer sees in `text`. */
export function displayLength(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let count = 0;
  for (const _ of graphemes.segment(text)) count++;
  return count;
}
