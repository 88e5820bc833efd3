// Writes cues as SRT and WebVTT. Both drop blank lines from a cue (a blank line would end the cue
// early in either format) and trim each line, so parseSrt/parseVtt read back exactly what was written.

import type { Cue } from "./types";

/** SubRip: numbered blocks, `HH:MM:SS,mmm` times, blocks separated by a blank line, final newline. */
export function toSrt(cues: Cue[]): string {
  return cues.map((cue, i) => block([String(i + 1), timingLine(cue, ","), ...textLines(cue)])).join("\n");
}

/** WebVTT: `WEBVTT` header, `HH:MM:SS.mmm` times, text escaped so it shows literally. */
export function toVtt(cues: Cue[]): string {
  const blocks = cues.map((cue) => block([timingLine(cue, "."), ...textLines(cue).map(escapeVttText)]));
  return [block(["WEBVTT"]), ...blocks].join("\n");
}

// In cue text `&` and `<` start entities and tags, and `-->` would end the cue, so all three (via `>`)
// are written as character references.
export function escapeVttText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `HH:MM:SS<sep>mmm`, rounded to the millisecond; hours grow past two digits rather than wrap. */
export function formatTimestamp(seconds: number, separator: "," | "."): string {
  const totalMs = Number.isFinite(seconds) ? Math.max(0, Math.round(seconds * 1000)) : 0;
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor(totalMs / 60_000) % 60;
  const secs = Math.floor(totalMs / 1000) % 60;
  const ms = totalMs % 1000;
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}${separator}${pad(ms, 3)}`;
}

function timingLine(cue: Cue, separator: "," | "."): string {
  return `${formatTimestamp(cue.start, separator)} --> ${formatTimestamp(cue.end, separator)}`;
}

function textLines(cue: Cue): string[] {
  return cue.lines.map((line) => line.trim()).filter((line) => line !== "");
}

function block(lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}
