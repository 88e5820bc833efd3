// Words people see for a job's status and phase (docs/job-lifecycle.md), shared by the job page and the CLI.

const PHASE_LABELS: Record<string, string> = {
  downloading: "Downloading your video",
  probing: "Checking the video",
  extracting_audio: "Extracting the sound",
  transcribing: "Listening to the speech",
  building_captions: "Writing the captions",
  uploading: "Saving the results",
  retrying: "Hit a snag, trying again",
};

/** The step a job is at, in words; `burnIn` (from the job's options) picks the rendering wording. */
export function jobStepLabel(job: { status: string; phase: string | null }, burnIn?: boolean): string {
  switch (job.status) {
    case "queued":
      return "Waiting in line";
    case "completed":
      return "Done";
    case "failed":
      return "Failed";
    case "canceled":
      return "Canceled";
    case "expired":
      return "Expired (files deleted)";
  }
  if (job.phase === "rendering") {
    if (burnIn === true) return "Burning in captions";
    if (burnIn === false) return "Adding the subtitle track";
    return "Putting the captions into the video";
  }
  return (job.phase && PHASE_LABELS[job.phase]) ?? "Working on it";
}

/** "3rd in line · starts in about 2 min" for a queued job; the estimate is left out when there is none. */
export function queuePlaceLabel(queue: { position: number; estimatedStartSec: number | null }): string {
  const place = queue.position === 1 ? "Next in line" : `${ordinal(queue.position)} in line`;
  const wait = queue.estimatedStartSec;
  if (wait === null) return place;
  const when =
    wait < 60 ? "in less than a minute" : `in about ${Math.round(wait / 60)} min${wait >= 90 ? "utes" : "ute"}`;
  return `${place} · starts ${when}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? "th" : (({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** Errors about the file itself: retrying the same file cannot help, another file might. */
const INPUT_ERRORS = new Set(["INVALID_MEDIA", "NO_VIDEO_STREAM", "TOO_LONG", "INPUT_MISSING"]);

export function isInputError(code: string): boolean {
  return INPUT_ERRORS.has(code);
}

/** Names of the languages any backend offers (lib/asr/capabilities OPENAI_LANGUAGES; others show their code), in English. */
const LANGUAGE_NAMES: Record<string, string> = {
  af: "Afrikaans",
  ar: "Arabic",
  hy: "Armenian",
  az: "Azerbaijani",
  be: "Belarusian",
  bs: "Bosnian",
  bg: "Bulgarian",
  ca: "Catalan",
  zh: "Chinese",
  hr: "Croatian",
  cs: "Czech",
  da: "Danish",
  nl: "Dutch",
  en: "English",
  et: "Estonian",
  fi: "Finnish",
  fr: "French",
  gl: "Galician",
  de: "German",
  el: "Greek",
  he: "Hebrew",
  hi: "Hindi",
  hu: "Hungarian",
  is: "Icelandic",
  id: "Indonesian",
  it: "Italian",
  ja: "Japanese",
  kn: "Kannada",
  kk: "Kazakh",
  ko: "Korean",
  lv: "Latvian",
  lt: "Lithuanian",
  mk: "Macedonian",
  ms: "Malay",
  mr: "Marathi",
  mi: "Maori",
  ne: "Nepali",
  no: "Norwegian",
  fa: "Persian",
  pl: "Polish",
  pt: "Portuguese",
  ro: "Romanian",
  ru: "Russian",
  sr: "Serbian",
  sk: "Slovak",
  sl: "Slovenian",
  es: "Spanish",
  sw: "Swahili",
  sv: "Swedish",
  tl: "Tagalog",
  ta: "Tamil",
  th: "Thai",
  tr: "Turkish",
  uk: "Ukrainian",
  ur: "Urdu",
  vi: "Vietnamese",
  cy: "Welsh",
};

/** A fixed table rather than Intl.DisplayNames: server and browser must render the same words. */
export function languageName(code: string): string {
  return LANGUAGE_NAMES[code] ?? code.toUpperCase();
}
