// Writes cues as an ASS (Advanced SubStation Alpha) script for burning in with libass: the style is
// given exactly (sizes in pixels of the real frame, colours, box or outline, margins) instead of being
// forced onto SRT's 288-line canvas, and words can be highlighted as they are spoken (karaoke tags).

import type { CaptionStyle } from "./caption-style";
import type { Cue } from "./types";

export interface AssFrame {
  width: number;
  height: number;
}

/** Per cue, the start time (s) of each of its words, when the recogniser timed them; for karaoke. */
export type CueWordTimes = (number[] | null)[];

export const CAPTION_FONT = "DejaVu Sans";

/** The ASS script of `cues` in `style`, for a frame of `frame` pixels. */
export function toAss(cues: Cue[], style: CaptionStyle, frame: AssFrame, wordTimes?: CueWordTimes): string {
  const { width, height } = frame;
  const fontPx = Math.max(8, Math.round(style.fontSize * height));
  const margins = safeMargins(frame, style.position);
  const alignment = style.position === "top" ? 8 : 2; // numpad layout: 8 top centre, 2 bottom centre
  const box = style.background === "box";
  const primary = assColour(style.textColor);
  // Karaoke: a word is drawn in the secondary colour until it is spoken, then in the primary one.
  const secondary = wordTimes ? assColour(style.textColor, 0x60) : primary;
  const outline = assColour(style.backgroundColor, box ? 0x40 : 0);
  const borderStyle = box ? 3 : 1;
  const outlinePx = box ? Math.round(fontPx * 0.25) : Math.max(1, Math.round(fontPx * (style.bold ? 0.1 : 0.07)));
  const shadowPx = box ? 0 : Math.round(fontPx * 0.04);
  const header = [
    "[Script Info]",
    "ScriptType: v4.00+",
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    "WrapStyle: 2", // no automatic wrapping: the cue builder already broke the lines
    "ScaledBorderAndShadow: yes",
    "",
    "[V4+ Styles]",
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
    `Style: Caption,${CAPTION_FONT},${fontPx},${primary},${secondary},${outline},${outline},${style.bold ? -1 : 0},0,0,0,100,100,0,0,${borderStyle},${outlinePx},${shadowPx},${alignment},${margins.side},${margins.side},${margins.vertical},1`,
    "",
    "[Events]",
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
  ];
  const events = cues.map((cue, i) => {
    const text = karaokeText(cue, wordTimes?.[i] ?? null) ?? cue.lines.map(escapeAssText).join("\\N");
    return `Dialogue: 0,${assTime(cue.start)},${assTime(cue.end)},Caption,,0,0,0,,${text}`;
  });
  return `${[...header, ...events].join("\n")}\n`;
}

/**
 * Margins that keep captions inside the title-safe area: 5% of a landscape frame; a vertical frame
 * (phones) loses its bottom ~18% and top ~10% to the apps' buttons and captions, and more at the sides.
 */
export function safeMargins(frame: AssFrame, position: "bottom" | "top"): { side: number; vertical: number } {
  const vertical = frame.height > frame.width;
  const share = vertical ? (position === "bottom" ? 0.18 : 0.1) : 0.05;
  return {
    side: Math.round(frame.width * (vertical ? 0.08 : 0.05)),
    vertical: Math.round(frame.height * share),
  };
}

// `{\k<cs>}` before each word: the word stays in the secondary colour for that long after the previous one.
function karaokeText(cue: Cue, starts: number[] | null): string | null {
  const words = cue.lines.map((line) => line.split(" ").filter(Boolean));
  const count = words.reduce((n, line) => n + line.length, 0);
  if (!starts || starts.length !== count || count === 0) return null;
  let index = 0;
  let previous = cue.start;
  return words
    .map((line) =>
      line
        .map((word) => {
          const next = starts[index + 1] ?? cue.end;
          const at = Math.max(previous, starts[index] ?? previous);
          // The first word waits from the cue's start to its own start, then lasts until the next word.
          const lead = index === 0 ? Math.round((at - cue.start) * 100) : 0;
          const length = Math.max(0, Math.round((Math.max(at, next) - at) * 100));
          previous = at;
          index++;
          return `${lead > 0 ? `{\\k${lead}}` : ""}{\\kf${length}}${escapeAssText(word)}`;
        })
        .join(" "),
    )
    .join("\\N");
}

// Braces start override blocks and a backslash starts a tag: shown as look-alikes, never interpreted.
function escapeAssText(text: string): string {
  return text.replace(/\\/g, "⧵").replace(/{/g, "(").replace(/}/g, ")");
}

/** `#RRGGBB` → ASS `&HAABBGGRR` (alpha 0 opaque). */
function assColour(hex: string, alpha = 0): string {
  const [r, g, b] = [1, 3, 5].map((i) => hex.slice(i, i + 2).toUpperCase());
  return `&H${alpha.toString(16).padStart(2, "0").toUpperCase()}${b}${g}${r}`;
}

/** `H:MM:SS.cc`, rounded to the centisecond. */
function assTime(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360_000);
  const m = Math.floor(cs / 6000) % 60;
  const s = Math.floor(cs / 100) % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(cs % 100).padStart(2, "0")}`;
}
