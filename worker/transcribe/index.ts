import {
  resolveBackend,
  supportsLanguage,
  type TranscriberCapabilities,
  type TranscriberChoice,
} from "../../lib/asr/capabilities";
import { JobError } from "../../lib/error-codes";
import { OpenAITranscriber } from "./openai";
import { PocketsphinxTranscriber } from "./pocketsphinx";
import type { Transcriber } from "./types";

export type { TranscribeInput, Transcriber, Transcript } from "./types";

export interface TranscriberConfig {
  transcriber: TranscriberChoice;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  openaiModel: string;
  openaiMaxUploadBytes?: number;
}

/** The configured backend; lib/asr/capabilities decides `auto`, the same rule the app applies. */
export function createTranscriber(config: TranscriberConfig): Transcriber {
  const backend = resolveBackend({
    transcriber: config.transcriber,
    openaiModel: config.openaiModel,
    openaiKeySet: Boolean(config.openaiApiKey),
  });
  if (backend === "pocketsphinx") return new PocketsphinxTranscriber();
  if (!config.openaiApiKey) {
    // A deployment mistake, caught at startup rather than as a failed job per video.
    throw new Error("The openai transcriber needs an API key (OPENAI_API_KEY).");
  }
  return new OpenAITranscriber({
    apiKey: config.openaiApiKey,
    model: config.openaiModel,
    ...(config.openaiBaseUrl ? { baseURL: config.openaiBaseUrl } : {}),
    ...(config.openaiMaxUploadBytes ? { maxUploadBytes: config.openaiMaxUploadBytes } : {}),
  });
}

/**
 * A job that asked for a language the backend lacks fails at once, before any download or decoding:
 * English recognition of French speech yields confident nonsense, and captions that look real but are
 * wrong are worse than a clear refusal. The API refuses the same request up front; this catches an app
 * configured differently from its workers, and jobs queued before a reconfiguration.
 */
export function refuseUnsupportedLanguage(capabilities: TranscriberCapabilities, language: string | undefined): void {
  if (supportsLanguage(capabilities, language)) return;
  throw new JobError("LANGUAGE_UNSUPPORTED", {
    detail: {
      backend: capabilities.backend,
      model: capabilities.model,
      requested: language,
      available: [...capabilities.languages],
    },
  });
}
