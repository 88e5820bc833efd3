import type { ReadabilityReport } from "../captions/readability";

// Words for the readability report, shared by the public job page and the console.

export const PROFILE_LABELS: Record<ReadabilityReport["profile"], string> = {
  "netflix-en": "Netflix (English)",
  bbc: "BBC",
  children: "Children's",
  social: "Social video",
};

/** Each rule as a person would name it, with the profile's limit. */
export function ruleRows(report: ReadabilityReport): { rule: string; limit: string; broken: number }[] {
  const { rules, violations } = report;
  return [
    { rule: "Reading speed", limit: `≤ ${rules.maxCharsPerSecond} characters/s`, broken: violations.readingSpeed },
    { rule: "Shortest time on screen", limit: `≥ ${rules.minDurationSec} s`, broken: violations.minDuration },
    { rule: "Longest time on screen", limit: `≤ ${rules.maxDurationSec} s`, broken: violations.maxDuration },
    { rule: "Line length", limit: `≤ ${rules.maxCharsPerLine} characters`, broken: violations.lineLength },
    { rule: "Lines per caption", limit: `≤ ${rules.maxLines}`, broken: violations.lineCount },
    { rule: "Overlapping or broken timing", limit: "none", broken: violations.overlap + violations.timing },
    { rule: "Empty lines", limit: "none", broken: violations.emptyLine },
  ];
}

/** One sentence: "All 12 captions meet the BBC profile." or "3 of 12 captions break a rule of …". */
export function readabilitySummary(report: ReadabilityReport): string {
  const profile = PROFILE_LABELS[report.profile] ?? report.profile;
  const failing = Math.round(report.cues * (1 - report.compliantShare));
  if (report.cues === 0) return `No captions to check against the ${profile} profile.`;
  if (failing === 0) return `All ${report.cues} captions meet the ${profile} profile.`;
  return `${failing} of ${report.cues} captions break a rule of the ${profile} profile.`;
}
