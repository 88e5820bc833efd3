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
export const TRANSCRIBER_CHOICES = ["auto", "openai", "whisper", "pocketsphinx"] as const;
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
  /**
   * The local Whisper model's name ("base.en", "small"): the worker reads it from the model file; the app
   * from the file name in WHISPER_MODEL_PATH. Unknown (a directory, unset) counts as English only.
   */
  whisperModel?: string | undefined;
}

/**
 * Languages of OpenAI's transcription models (whisper-1, gpt-4o-*, gpt-transcribe): the list OpenAI
 * documents as supported (below 50 % WER on FLEURS). Whisper itself knows ~99; the rest transcribe poorly.
 */
// biome-ignore format: a block of codes reads better than one per line
export const OPENAI_LANGUAGES = [
  "af", "ar", "hy", "az", "be", "bs", "bg", "ca", "zh", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "gl",
  "de", "el", "he", "hi", "hu", "is", "id", "it", "ja", "kn", "kk", "ko", "lv", "lt", "mk", "ms", "mr", "mi",
  "ne", "no", "fa", "pl", "pt", "ro", "ru", "sr", "sk", "sl", "es", "sw", "sv", "tl", "ta", "th", "tr", "uk",
  "ur", "vi", "cy",
] as const;

/** Every language whisper.cpp's multilingual models know (its table minus the three-letter haw, yue; in its order). */
// biome-ignore format: a block of codes reads better than one per line
export const WHISPER_CPP_LANGUAGES = [
  "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi",
  "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la",
  "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy",
  "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be",
  "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
  "mg", "as", "tt", "ln", "ha", "ba", "jw", "su",
] as const;

/** `.en` models (tiny.en, base.en, …) know English only; the rest are multilingual. */
export function isEnglishOnlyWhisperModel(name: string | undefined): boolean {
  return name === undefined || /\.en$/.test(name);
}

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
    languages: OPENAI_LANGUAGES,
    detectsLanguage: true,
    wordTiming: OPENAI_MODEL_TIMING[settings.openaiModel] === "text-only" ? "aligned" : "native",
    translation: OPENAI_TRANSLATING_MODELS.has(settings.openaiModel),
    punctuation: "native",
  }),
  whisper: (settings: TranscriberSettings): TranscriberCapabilities => {
    const englishOnly = isEnglishOnlyWhisperModel(settings.whisperModel);
    return {
      backend: "whisper",
      model: settings.whisperModel ?? "unknown",
      languages: englishOnly ? ["en"] : WHISPER_CPP_LANGUAGES,
      detectsLanguage: !englishOnly,
      wordTiming: "native",
      translation: !englishOnly,
      punctuation: "native",
    };
  },
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

/**
 * `auto` = the API when a key is configured, else a local Whisper model when one is known, else the
 * offline recogniser. The worker decides whisper by finding a loadable model (worker/transcribe/index.ts
 * chooseTranscriber); the app, which cannot see the workers' disk, by WHISPER_MODEL_PATH naming one.
 */
export function resolveBackend(settings: TranscriberSettings): BackendName {
  if (settings.transcriber !== "auto") return settings.transcriber;
  if (settings.openaiKeySet) return "openai";
  return settings.whisperModel ? "whisper" : "pocketsphinx";
}

/** The settings from a process's validated env (app or worker: both schemas carry these keys). */
export function transcriberSettings(env: {
  TRANSCRIBER: TranscriberChoice;
  OPENAI_MODEL: string;
  OPENAI_API_KEY?: string | undefined;
  WHISPER_MODEL_PATH?: string | undefined;
}): TranscriberSettings {
  return {
    transcriber: env.TRANSCRIBER,
    openaiModel: env.OPENAI_MODEL,
    openaiKeySet: Boolean(env.OPENAI_API_KEY),
    whisperModel: whisperModelName(env.WHISPER_MODEL_PATH),
  };
}

/** "base.en" for …/ggml-base.en.bin; undefined for a directory or anything else. */
export function whisperModelName(modelPath: string | undefined): string | undefined {
  return modelPath ? /(?:^|[/\\])ggml-([\w.-]+)\.bin$/.exec(modelPath)?.[1] : undefined;
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
