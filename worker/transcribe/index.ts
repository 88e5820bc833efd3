import {
  supportsLanguage,
  type TranscriberCapabilities,
  type TranscriberChoice as TranscriberChoiceName,
} from "../../lib/asr/capabilities";
import { JobError } from "../../lib/error-codes";
import { OpenAITranscriber } from "./openai";
import { PocketsphinxTranscriber } from "./pocketsphinx";
import type { Transcriber } from "./types";
import {
  DEFAULT_MODEL_DIR,
  findWhisperModel,
  readWhisperModelInfo,
  WhisperTranscriber,
  whisperUnavailableReason,
} from "./whisper";

export type { TranscribeInput, Transcriber, Transcript } from "./types";

export interface TranscriberConfig {
  transcriber: TranscriberChoiceName;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  openaiModel: string;
  openaiMaxUploadBytes?: number;
  /** A ggml model file, or a directory holding one; DEFAULT_MODEL_DIR when unset. */
  whisperModelPath?: string;
  whisperThreads?: number;
  /** Cores one job's recognition may use now (./parallelism.ts); 1 when unset. */
  asrParallelism?: () => number;
}

export interface TranscriberChoice {
  transcriber: Transcriber;
  /** One sentence for the start log: which backend and why, so nobody guesses what `auto` did. */
  reason: string;
}

/**
 * auto = the API when a key is configured (the most accurate, and a deliberate choice), else a local
 * Whisper model when one is present (far better than pocketsphinx), else the offline recogniser.
 * A misconfiguration (openai without a key, whisper without a readable model) throws: a deployment
 * mistake is caught at start, not as a failed job per video.
 */
export function chooseTranscriber(config: TranscriberConfig): TranscriberChoice {
  const { transcriber: wanted } = config;
  if (wanted === "openai" || (wanted === "auto" && config.openaiApiKey)) {
    return {
      transcriber: openaiTranscriber(config),
      reason: wanted === "openai" ? "TRANSCRIBER=openai" : "TRANSCRIBER=auto and OPENAI_API_KEY is set",
    };
  }
  const location = config.whisperModelPath ?? DEFAULT_MODEL_DIR;
  const variable = config.whisperModelPath ? "WHISPER_MODEL_PATH" : "the default model directory";
  const unavailable = whisperUnavailableReason();
  if (wanted === "whisper" && unavailable) throw new Error(`TRANSCRIBER=whisper cannot run here: ${unavailable}.`);
  if (wanted === "whisper" || (wanted === "auto" && !unavailable)) {
    const modelPath = findWhisperModel(location);
    if (modelPath) {
      const model = readWhisperModelInfo(modelPath);
      return {
        transcriber: new WhisperTranscriber({
          model,
          ...(config.whisperThreads
            ? { threads: config.whisperThreads }
            : config.asrParallelism
              ? { threads: config.asrParallelism }
              : {}),
        }),
        reason: `${wanted === "whisper" ? "TRANSCRIBER=whisper" : "TRANSCRIBER=auto, no OPENAI_API_KEY, and a Whisper model is present"}: ${modelPath} (${model.multilingual ? "multilingual" : "English only"})`,
      };
    }
    if (wanted === "whisper") {
      throw new Error(
        `TRANSCRIBER=whisper needs a model: none found at ${location} (${variable}). Download one with ` +
          "`npm run model:download -- base.en` or point WHISPER_MODEL_PATH at a ggml model file.",
      );
    }
  }
  return {
    transcriber: new PocketsphinxTranscriber(config.asrParallelism ? { parallelism: config.asrParallelism } : {}),
    reason:
      wanted === "pocketsphinx"
        ? "TRANSCRIBER=pocketsphinx"
        : unavailable
          ? `TRANSCRIBER=auto, no OPENAI_API_KEY, and local Whisper cannot run here (${unavailable}): offline English recogniser`
          : `TRANSCRIBER=auto, no OPENAI_API_KEY and no Whisper model at ${location} (${variable}): offline English recogniser`,
  };
}

export function createTranscriber(config: TranscriberConfig): Transcriber {
  return chooseTranscriber(config).transcriber;
}

function openaiTranscriber(config: TranscriberConfig): OpenAITranscriber {
  if (!config.openaiApiKey) {
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
