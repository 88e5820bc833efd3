import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeTestWhisperModel } from "../../scripts/make-test-whisper-model";

// The generated random-weight Whisper model (scripts/make-test-whisper-model.ts), cached under
// tests/.cache/ like the test media. Real weights cannot be downloaded here; this model loads and decodes
// through the real binding but recognises nothing.

const CACHE_DIR = fileURLToPath(new URL("../.cache/whisper/", import.meta.url));
/** Bump when the generator changes, so a stale cached model is not reused. */
const GENERATOR_VERSION = 1;

/** Path of the cached test model; named like whisper.cpp's files (`ggml-<name>.bin`). */
export async function testWhisperModel(options: { multilingual?: boolean } = {}): Promise<string> {
  const name = `ggml-test-v${GENERATOR_VERSION}${options.multilingual ? "" : ".en"}.bin`;
  const file = `${CACHE_DIR}${name}`;
  // The writer renames a finished temp file into place, so two test files generating at once is harmless.
  if (!existsSync(file)) await writeTestWhisperModel(file, { multilingual: options.multilingual ?? false });
  return file;
}
