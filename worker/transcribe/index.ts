import { OpenAITranscriber } from "./openai";
import { PocketsphinxTranscriber } from "./pocketsphinx";
import type { Transcriber } from "./types";

export type { TranscribeInput, Transcriber, Transcript } from "./types";

export interface TranscriberConfig {
  transcriber: "auto" | "openai" | "pocketsphinx";
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  openaiModel: string;
  openaiMaxUploadBytes?: number;
}

/** auto = the API when a key is configured (far better accuracy), else the offline recogniser. */
export function createTranscriber(config: TranscriberConfig): Transcriber {
  const useOpenai = config.transcriber === "openai" || (config.transcriber === "auto" && Boolean(config.openaiApiKey));
  if (!useOpenai) return new PocketsphinxTranscriber();
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
