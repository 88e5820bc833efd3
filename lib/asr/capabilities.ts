// What each speech-recognition backend can do, in one table that the app (to offer and refuse languages
// before any upload is queued) and the worker (to refuse at job time, and to choose text-only timing) both
// read. The app never imports worker code, so the table lives here and is chosen from the same variables
// the worker reads (TRANSCRIBER, OPENAI_MODEL): app and worker must be configured alike.
//
// A backend declares itself with ONE entry in BACKEND_CAPABILITIES: a function from the transcriber
// settings to a TranscriberCapabilities object. Its worker class exposes the same object
// (`readonly capabilities = transcriberCapabilities(settings)`), so the two can never disagree.

import { z } from "zod";

/** The values TRANSCRIBER takes; `auto` is resolved by resolveBackend. */
export const TRANSCRIBER_CHOICES = ["auto", "openai", "pocketsphinx"] as const;
export type TranscriberChoice = (typeof TRANSCRIBER_CHOICES)[number];

export interface TranscriberCapabilities {
  /** "openai" | "pocketsphinx" | … — the name shown in job results and logs. */
  backend: string;
  /** The model: an API model id, or the local model's name. */
  model: string;
  /** ISO 639-1 codes the backend recognises. */
  languages: readonly string[];
  /** true: "auto" lets the backend detect the spoken language; false: "auto" means its only language. */
  detectsLanguage: boolean;
  /** "native": the recogniser times each word; "aligned": the model returns text only and the worker times it. */
  wordTiming: "native" | "aligned";
  /** Can translate speech to English captions. */
  translation: boolean;
  /** "native": the model punctuates; "guessed": full stops and capitals are inferred from pauses. */
  punctuation: "native" | "guessed";
}

export interface TranscriberSettings {
  transcriber: TranscriberChoice;
  openaiModel: string;
  /** Whether OPENAI_API_KEY is set (never the key itself). The app does not hold the key: false there. */
  openaiKeySet: boolean;
}

/**
 * Languages of OpenAI's transcription models (whisper-1, gpt-4o-*, gpt-transcribe): the list OpenAI
 * documents as supported (below 50 % WER on FLEURS). Whisper itself knows ~99; the rest transcribe poorly.
 */
// biome-ignore format: a block of codes reads better than one per line
export const WHISPER_LANGUAGES = [
  "af", "ar", "hy", "az", "be", "bs", "bg", "ca", "zh", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "gl",
  "de", "el", "he", "hi", "hu", "is", "id", "it", "ja", "kn", "kk", "ko", "lv", "lt", "mk", "ms", "mr", "mi",
  "ne", "no", "fa", "pl", "pt", "ro", "ru", "sr", "sk", "sl", "es", "sw", "sv", "tl", "ta", "th", "tr", "uk",
  "ur", "vi", "cy",
] as const;

/**
 * OpenAI models by what they return. whisper-1 gives word and segment timestamps (verbose_json); the
 * gpt-4o transcribe models and their successor gpt-transcribe answer only `json`/`text`. A model not in
 * this table is tried with verbose_json and remembered as text-only when it refuses (a 400).
 */
export const OPENAI_MODEL_TIMING: Record<string, "timestamps" | "text-only"> = {
  "whisper-1": "timestamps",
  "gpt-4o-transcribe": "text-only",
  "gpt-4o-mini-transcribe": "text-only",
  "gpt-transcribe": "text-only",
};

/** /v1/audio/translations exists for whisper-1 only (and goes away with it on 2027-02-26). */
const OPENAI_TRANSLATING_MODELS = new Set(["whisper-1"]);

export const BACKEND_CAPABILITIES = {
  openai: (settings: TranscriberSettings): TranscriberCapabilities => ({
    backend: "openai",
    model: settings.openaiModel,
    languages: WHISPER_LANGUAGES,
    detectsLanguage: true,
    wordTiming: OPENAI_MODEL_TIMING[settings.openaiModel] === "text-only" ? "aligned" : "native",
    translation: OPENAI_TRANSLATING_MODELS.has(settings.openaiModel),
    punctuation: "native",
  }),
  pocketsphinx: (): TranscriberCapabilities => ({
    backend: "pocketsphinx",
    // Debian's pocketsphinx-en-us: the CMU US English acoustic model, generic language model.
    model: "en-us",
    languages: ["en"],
    detectsLanguage: false,
    wordTiming: "native",
    translation: false,
    punctuation: "guessed",
  }),
} satisfies Record<string, (settings: TranscriberSettings) => TranscriberCapabilities>;

export type BackendName = keyof typeof BACKEND_CAPABILITIES;

/** `auto` = the API when a key is configured (far better accuracy), else the offline recogniser. */
export function resolveBackend(settings: TranscriberSettings): BackendName {
  if (settings.transcriber !== "auto") return settings.transcriber;
  return settings.openaiKeySet ? "openai" : "pocketsphinx";
}

/** The settings from a process's validated env (app or worker: both schemas carry these keys). */
export function transcriberSettings(env: {
  TRANSCRIBER: TranscriberChoice;
  OPENAI_MODEL: string;
  OPENAI_API_KEY?: string | undefined;
}): TranscriberSettings {
  return { transcriber: env.TRANSCRIBER, openaiModel: env.OPENAI_MODEL, openaiKeySet: Boolean(env.OPENAI_API_KEY) };
}

export function transcriberCapabilities(settings: TranscriberSettings): TranscriberCapabilities {
  return BACKEND_CAPABILITIES[resolveBackend(settings)](settings);
}

/** The capabilities of the backend a process's env configures (the app: what to offer and accept). */
export function configuredCapabilities(env: Parameters<typeof transcriberSettings>[0]): TranscriberCapabilities {
  return transcriberCapabilities(transcriberSettings(env));
}

/** undefined/"auto" is always accepted: a backend without detection takes it as its one language. */
export function supportsLanguage(capabilities: TranscriberCapabilities, language: string | undefined): boolean {
  if (language === undefined || language === "auto") return true;
  return capabilities.languages.includes(language);
}

/** What a finished job's row keeps about the recogniser that made its captions (Job.transcriber). */
export const storedTranscriberSchema = z.object({
  backend: z.string(),
  model: z.string(),
  punctuation: z.enum(["native", "guessed"]),
  wordTiming: z.enum(["native", "aligned"]),
});
export type StoredTranscriber = z.infer<typeof storedTranscriberSchema>;
