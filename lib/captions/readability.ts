// The readability report a finished job carries: how its cues measure against a named profile.

import { type CueRule, checkCueSequence, cueCps, cueFindings } from "./check-cues";
import { CAPTION_PROFILES, type CaptionProfile } from "./profiles";
import { displayLength } from "./text-length";
import type { Cue } from "./types";

export interface ReadabilityReport {
  profile: CaptionProfile;
  /** The profile's limits, so a reader of the report needs no table. */
  rules: {
    maxCharsPerLine: number;
    maxLines: number;
    minDurationSec: number;
    maxDurationSec: number;
    maxCharsPerSecond: number;
  };
  cues: number;
  /** Cues breaking each rule (a cue may break several); `overlap`: cues starting before the previous ends. */
  violations: Record<CueRule | "overlap", number>;
  /** Cues that break no rule at all, 0–1 (1 when there are no cues). */
  compliantShare: number;
  /** Characters per second on screen. */
  cps: { p50: number; p95: number; max: number };
  durationSec: { min: number; p50: number; max: number };
  maxLineLength: number;
}

/** Measures `cues` against a profile; numbers rounded to what a person reads (0.1 cps, 1 ms). */
export function readabilityReport(cues: Cue[], profile: CaptionProfile): ReadabilityReport {
  const rules = CAPTION_PROFILES[profile];
  const violations: ReadabilityReport["violations"] = {
    timing: 0,
    minDuration: 0,
    maxDuration: 0,
    lineCount: 0,
    lineLength: 0,
    emptyLine: 0,
    readingSpeed: 0,
    overlap: checkCueSequence(cues).length,
  };
  let compliant = 0;
  for (const cue of cues) {
    const broken = new Set(cueFindings(cue, rules).map((f) => f.rule));
    for (const rule of broken) violations[rule]++;
    if (broken.size === 0) compliant++;
  }
  const cps = cues.map(cueCps).filter(Number.isFinite);
  const durations = cues.map((cue) => cue.end - cue.start);
  return {
    profile,
    rules: {
      maxCharsPerLine: rules.maxCharsPerLine,
      maxLines: rules.maxLines,
      minDurationSec: round(rules.minDurationSec, 3),
      maxDurationSec: rules.maxDurationSec,
      maxCharsPerSecond: rules.maxCharsPerSecond,
    },
    cues: cues.length,
    violations,
    compliantShare: cues.length === 0 ? 1 : round(compliant / cues.length, 3),
    cps: { p50: round(quantile(cps, 0.5), 1), p95: round(quantile(cps, 0.95), 1), max: round(Math.max(0, ...cps), 1) },
    durationSec: {
      min: round(cues.length ? Math.min(...durations) : 0, 3),
      p50: round(quantile(durations, 0.5), 3),
      max: round(Math.max(0, ...durations), 3),
    },
    maxLineLength: Math.max(0, ...cues.flatMap((cue) => cue.lines.map(displayLength))),
  };
}

// Nearest-rank quantile: a value some cue really has.
function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
