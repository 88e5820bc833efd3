// Rule checks for finished cues, split in two:
//  - checkCue: layout and display time.
//  - checkReadingSpeed: characters per second.
// The builder meets both for any timings (it holds a cue as long as its text needs and lets the next one
// wait: build-cues.property.test.ts), so a finding on built cues is a defect. Edited or imported cues
// can break either; the readability report counts each rule apart.

import { displayLength } from "./text-length";
import { type Cue, type CueRules, DEFAULT_CUE_RULES } from "./types";

// Cue times are millisecond values held in floats: 7.000000000001 s is 7 s, not "too long".
const EPSILON_SEC = 1e-6;

/** The rule a finding breaks: the readability report counts findings per rule. */
export type CueRule =
  | "timing"
  | "minDuration"
  | "maxDuration"
  | "lineCount"
  | "lineLength"
  | "emptyLine"
  | "readingSpeed";

export interface CueFinding {
  rule: CueRule;
  message: string;
}

/** Every rule one cue breaks, as structured findings (layout, display time and reading speed). */
export function cueFindings(cue: Cue, rules: CueRules = DEFAULT_CUE_RULES): CueFinding[] {
  const findings = [...timeViolations(cue, rules), ...lineViolations(cue, rules)];
  const cps = cueCps(cue);
  if (findings.every((f) => f.rule !== "timing") && cps > rules.maxCharsPerSecond + EPSILON_SEC) {
    findings.push({
      rule: "readingSpeed",
      message: `reading speed ${cps.toFixed(1)} chars/s is above ${rules.maxCharsPerSecond}`,
    });
  }
  return findings;
}

/** Layout and display-time violations of one cue (lines, on-screen duration, times); [] when it obeys. */
export function checkCue(cue: Cue, rules: CueRules = DEFAULT_CUE_RULES): string[] {
  return [...timeViolations(cue, rules), ...lineViolations(cue, rules)].map((f) => f.message);
}

/** Reading-speed violation of one cue, if any. */
export function checkReadingSpeed(cue: Cue, rules: CueRules = DEFAULT_CUE_RULES): string[] {
  return cueFindings(cue, rules)
    .filter((f) => f.rule === "readingSpeed")
    .map((f) => f.message);
}

/** Overlaps between consecutive cues; [] when every cue starts after the previous one ends. */
export function checkCueSequence(cues: Cue[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < cues.length; i++) {
    const previous = cues[i - 1];
    const cue = cues[i];
    if (!previous || !cue) continue;
    if (cue.start < previous.end - EPSILON_SEC) {
      problems.push(`cue ${i + 1} starts at ${seconds(cue.start)}, before cue ${i} ends at ${seconds(previous.end)}`);
    }
  }
  return problems;
}

/** Characters a viewer reads: lines joined by spaces, so a line break counts as the space it replaces. */
export function cueCharCount(cue: Cue): number {
  return displayLength(cue.lines.join(" "));
}

/** Characters per second on screen; Infinity for a cue with no duration. */
export function cueCps(cue: Cue): number {
  const duration = cue.end - cue.start;
  return duration > 0 ? cueCharCount(cue) / duration : Number.POSITIVE_INFINITY;
}

function timeViolations(cue: Cue, rules: CueRules): CueFinding[] {
  const timing = (message: string): CueFinding[] => [{ rule: "timing", message }];
  if (!Number.isFinite(cue.start) || !Number.isFinite(cue.end)) return timing("start and end must be finite numbers");
  if (cue.start < 0) return timing(`starts before 0 (${seconds(cue.start)})`);
  const duration = cue.end - cue.start;
  if (duration <= 0) return timing(`ends at ${seconds(cue.end)}, not after its start ${seconds(cue.start)}`);
  if (duration < rules.minDurationSec - EPSILON_SEC) {
    const message = `on screen ${seconds(duration)}, less than the minimum ${seconds(rules.minDurationSec)}`;
    return [{ rule: "minDuration", message }];
  }
  if (duration > rules.maxDurationSec + EPSILON_SEC) {
    const message = `on screen ${seconds(duration)}, more than the maximum ${seconds(rules.maxDurationSec)}`;
    return [{ rule: "maxDuration", message }];
  }
  return [];
}

function lineViolations(cue: Cue, rules: CueRules): CueFinding[] {
  const problems: CueFinding[] = [];
  if (cue.lines.length === 0) problems.push({ rule: "emptyLine", message: "has no lines" });
  if (cue.lines.length > rules.maxLines) {
    problems.push({ rule: "lineCount", message: `has ${cue.lines.length} lines, more than ${rules.maxLines}` });
  }
  cue.lines.forEach((line, i) => {
    const length = displayLength(line);
    if (line.trim() === "") problems.push({ rule: "emptyLine", message: `line ${i + 1} is empty` });
    if (length > rules.maxCharsPerLine) {
      const message = `line ${i + 1} has ${length} characters, more than ${rules.maxCharsPerLine}`;
      problems.push({ rule: "lineLength", message });
    }
  });
  return problems;
}

function seconds(value: number): string {
  return `${value.toFixed(3)} s`;
}
