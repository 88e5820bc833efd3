import { describe, expect, it } from "vitest";
import {
  configuredCapabilities,
  resolveBackend,
  supportsLanguage,
  transcriberCapabilities,
  transcriberSettings,
} from "./capabilities";

// The one table the app (offer/refuse languages) and the worker (refuse, choose text-only timing) share.

describe("resolveBackend", () => {
  it("auto picks the API with a key, else the offline recogniser; an explicit choice wins", () => {
    const base = { openaiModel: "whisper-1" };
    expect(resolveBackend({ ...base, transcriber: "auto", openaiKeySet: true })).toBe("openai");
    expect(resolveBackend({ ...base, transcriber: "auto", openaiKeySet: false })).toBe("pocketsphinx");
    expect(resolveBackend({ ...base, transcriber: "pocketsphinx", openaiKeySet: true })).toBe("pocketsphinx");
    expect(resolveBackend({ ...base, transcriber: "openai", openaiKeySet: false })).toBe("openai");
  });
});

describe("transcriberCapabilities", () => {
  it("pocketsphinx: US English only, no detection, native timing, guessed punctuation", () => {
    expect(transcriberCapabilities({ transcriber: "pocketsphinx", openaiModel: "x", openaiKeySet: false })).toEqual({
      backend: "pocketsphinx",
      model: "en-us",
      languages: ["en"],
      detectsLanguage: false,
      wordTiming: "native",
      translation: false,
      punctuation: "guessed",
    });
  });

  it.each([
    ["whisper-1", "native", true],
    ["gpt-4o-transcribe", "aligned", false],
    ["gpt-4o-mini-transcribe", "aligned", false],
    ["gpt-transcribe", "aligned", false],
    // Unknown models are tried with timestamps; the worker switches to alignment when they refuse.
    ["my-local-whisper", "native", false],
  ])("openai %s: word timing %s, translation %s", (model, wordTiming, translation) => {
    const capabilities = transcriberCapabilities({ transcriber: "openai", openaiModel: model, openaiKeySet: true });
    expect(capabilities).toMatchObject({ backend: "openai", model, wordTiming, translation, detectsLanguage: true });
    expect(capabilities.languages).toEqual(expect.arrayContaining(["en", "fr", "de", "ja", "zh", "cy"]));
  });

  it("configuredCapabilities reads the same keys from the app's env (no key there: auto = pocketsphinx)", () => {
    expect(configuredCapabilities({ TRANSCRIBER: "auto", OPENAI_MODEL: "whisper-1" }).backend).toBe("pocketsphinx");
    expect(configuredCapabilities({ TRANSCRIBER: "openai", OPENAI_MODEL: "gpt-transcribe" })).toMatchObject({
      backend: "openai",
      model: "gpt-transcribe",
      wordTiming: "aligned",
    });
  });
});

describe("whisper", () => {
  it("declares itself from the model's name: .en English only, others multilingual with detection", () => {
    const settings = { transcriber: "whisper" as const, openaiModel: "", openaiKeySet: false };
    expect(transcriberCapabilities({ ...settings, whisperModel: "base.en" })).toMatchObject({
      backend: "whisper",
      model: "base.en",
      languages: ["en"],
      detectsLanguage: false,
      translation: false,
    });
    const small = transcriberCapabilities({ ...settings, whisperModel: "small" });
    expect(small).toMatchObject({ detectsLanguage: true, translation: true, wordTiming: "native" });
    expect(small.languages).toEqual(expect.arrayContaining(["en", "fr", "yo", "la"]));
  });

  it("the app reads the model's name from WHISPER_MODEL_PATH; auto picks whisper only when one is named", () => {
    const env = { TRANSCRIBER: "auto" as const, OPENAI_MODEL: "whisper-1" };
    expect(transcriberSettings({ ...env, WHISPER_MODEL_PATH: "/models/ggml-small.en.bin" }).whisperModel).toBe(
      "small.en",
    );
    expect(transcriberSettings({ ...env, WHISPER_MODEL_PATH: "/models" }).whisperModel).toBeUndefined();
    expect(configuredCapabilities({ ...env, WHISPER_MODEL_PATH: "/m/ggml-base.bin" }).backend).toBe("whisper");
    expect(configuredCapabilities({ ...env, WHISPER_MODEL_PATH: "/models" }).backend).toBe("pocketsphinx");
    expect(configuredCapabilities({ ...env, TRANSCRIBER: "whisper", WHISPER_MODEL_PATH: "/models" }).languages).toEqual(
      ["en"],
    );
  });
});

describe("supportsLanguage", () => {
  const offline = transcriberCapabilities({ transcriber: "pocketsphinx", openaiModel: "", openaiKeySet: false });
  const api = transcriberCapabilities({ transcriber: "openai", openaiModel: "whisper-1", openaiKeySet: true });

  it("accepts auto and listed languages, refuses the rest", () => {
    expect(supportsLanguage(offline, undefined)).toBe(true);
    expect(supportsLanguage(offline, "auto")).toBe(true);
    expect(supportsLanguage(offline, "en")).toBe(true);
    expect(supportsLanguage(offline, "fr")).toBe(false);
    expect(supportsLanguage(api, "fr")).toBe(true);
    expect(supportsLanguage(api, "xx")).toBe(false);
  });
});
