import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captionFile } from "../support/api-client";
import { assertCaptionedOutput } from "../support/assert-captioned";
import { makeSpeechVideo } from "../support/make-media";
import { type OpenAICompatibleServer, startOpenAICompatibleServer } from "../support/openai-compatible-server";
import { type Stack, startStack } from "../support/stack";

// The `openai` backend end to end. OpenAI's API cannot be reached from here, so the worker talks, through
// the official SDK, to a local server that speaks the same transcription API with real recognition
// (pocketsphinx) behind it. A tiny upload limit forces the chunk-at-silences path.
const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer. Please bring your questions to the meeting on Friday.";
const API_KEY = "sk-test-local-openai-compatible";

let stack: Stack;
let server: OpenAICompatibleServer;
let outDir: string;

beforeAll(async () => {
  server = await startOpenAICompatibleServer({ apiKey: API_KEY });
  stack = await startStack({
    workerEnv: {
      TRANSCRIBER: "openai",
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_MAX_UPLOAD_BYTES: "20000",
    },
  });
  outDir = await mkdtemp(path.join(tmpdir(), "captioner-out-"));
});

afterAll(async () => {
  await stack?.stop();
  await server?.close();
  await rm(outDir, { recursive: true, force: true });
});

describe("worker pipeline with the openai backend against a local OpenAI-compatible server (real pocketsphinx recognition behind it)", () => {
  it("captions a clip sent in several chunks and stitches their timings", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    const job = await captionFile(stack.baseUrl, clip.path);
    const { wer, cues } = await assertCaptionedOutput(job, { ...clip, script: SCRIPT, outDir, maxWer: 0.15 });
    const uploads = server.requests.filter((r) => r.status === 200);
    console.log(`openai backend: ${uploads.length} chunks, WER ${(wer * 100).toFixed(1)}%, ${cues} cues`);
    expect(uploads.length).toBeGreaterThanOrEqual(2);
    expect(uploads.every((r) => (r.fileBytes ?? Infinity) <= 20000)).toBe(true);
    expect(uploads.every((r) => r.model === "whisper-1" && r.responseFormat === "verbose_json")).toBe(true);

    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id }, include: { events: true } });
    const completed = row.events.find((e) => e.type === "completed");
    expect((completed?.data as { backend?: string } | null)?.backend).toBe("openai");
  });
});
