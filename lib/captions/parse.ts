// Tolerant SRT and WebVTT readers for tests and the admin console. They accept what real files contain
// (BOM, CRLF, missing hours, `.` or `,` before the milliseconds, cue settings, numbering, NOTE/STYLE/
// REGION blocks, a missing blank line between cues) and skip blocks they cannot read instead of failing.
// Both return plain-text lines, so toSrt/toVtt followed by the matching parser gives back the same cues.

import type { Cue } from "./types";

const TIMESTAMP = String.raw`(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?`;
const TIMING_LINE = new RegExp(String.raw`^\s*${TIMESTAMP}\s*-->\s*${TIMESTAMP}(?:\s.*)?$`);
const VTT_METADATA_BLOCK = /^(NOTE|STYLE|REGION)(\s|$)/;
const SRT_NUMBER = /^\s*\d+\s*$/;

interface Dialect {
  /** Plain text of one cue line as written in the file. */
  readText: (line: string) => string;
  /** Whether a line just before a timing line names that next cue rather than ending the previous one. */
  isCueNumber: (line: string) => boolean;
}

const SRT: Dialect = {
  // SubRip has no escaping: text is what is written.
  readText: (line) => line.trim(),
  isCueNumber: (line) => SRT_NUMBER.test(line),
};

const VTT: Dialect = {
  readText: (line) => decodeEntities(line.replace(/<[^>]*>/g, "")).trim(),
  // WebVTT ends cue text at a line containing "-->", and everything before it is text.
  isCueNumber: () => false,
};

/** Cues of an SRT file, in file order. */
export function parseSrt(text: string): Cue[] {
  return textBlocks(text).flatMap((lines) => cuesInBlock(lines, SRT));
}

/** Cues of a WebVTT file, in file order, as plain text (tags removed, character references decoded). */
export function parseVtt(text: string): Cue[] {
  return textBlocks(text).flatMap((lines, i) => {
    const first = lines[0] ?? "";
    // Header lines after "WEBVTT" ("Kind: captions") come before any timing line, so they are skipped
    // like a cue identifier; a cue that follows the header without a blank line is still read.
    if (i === 0 && first.startsWith("WEBVTT")) return cuesInBlock(lines.slice(1), VTT);
    if (VTT_METADATA_BLOCK.test(first)) return [];
    return cuesInBlock(lines, VTT);
  });
}

// Runs of non-blank lines.
function textBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] = [];
  for (const line of text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/)) {
    if (line.trim() !== "") {
      current.push(line);
      continue;
    }
    if (current.length > 0) blocks.push(current);
    current = [];
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

// Lines before the first timing line are a cue identifier (or junk) and are ignored.
function cuesInBlock(lines: string[], dialect: Dialect): Cue[] {
  const pending: Array<{ start: number; end: number; raw: string[] }> = [];
  lines.forEach((line, i) => {
    const timing = parseTimingLine(line);
    if (timing) {
      pending.push({ ...timing, raw: [] });
      return;
    }
    const next = lines[i + 1];
    if (next !== undefined && parseTimingLine(next) && dialect.isCueNumber(line)) return;
    pending.at(-1)?.raw.push(line);
  });
  return pending.map(({ start, end, raw }) => ({
    start,
    end,
    lines: raw.map(dialect.readText).filter((line) => line !== ""),
  }));
}

function parseTimingLine(line: string): { start: number; end: number } | null {
  const match = TIMING_LINE.exec(line);
  if (!match) return null;
  return { start: timestampSeconds(match.slice(1, 5)), end: timestampSeconds(match.slice(5, 9)) };
}

// Parts: hours (optional), minutes, seconds, fraction digits (optional; "5" means 500 ms).
function timestampSeconds([hours, minutes, seconds, fraction]: Array<string | undefined>): number {
  const ms = Number((fraction ?? "").padEnd(3, "0"));
  const totalMs = Number(hours ?? 0) * 3_600_000 + Number(minutes) * 60_000 + Number(seconds) * 1000 + ms;
  return totalMs / 1000;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  lrm: "\u200e",
  rlm: "\u200f",
};

// One pass, so "&amp;lt;" becomes the literal text "&lt;" rather than "<".
function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}
