import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSrt } from "../../lib/captions";
import { captionFile, download } from "../support/api-client";
import { assertCaptionedOutput } from "../support/assert-captioned";
import { makeTimedSpeechWav, makeVideoOverWav } from "../support/make-media";
import { type OpenAICompatibleServer, startOpenAICompatibleServer } from "../support/openai-compatible-server";
import { type Stack, startStack } from "../support/stack";

// A text-only model (like gpt-transcribe, which answers only `json`/`text` and 400 to verbose_json) end to
// end. OpenAI cannot be reached from here, so the worker talks through the official SDK to a local
// stand-in: it recognises each uploaded chunk with pocketsphinx and answers with the span of the flite
// clip's known script that it heard (perfect text, with the script's casing and punctuation). The model
// name is one the worker's table does not know, so it must learn from the 400 that timestamps are refused.
const SENTENCES = [
  "Good morning and welcome to the weekly update.",
  "The new studio opens next month, and every team will move in by the summer.",
  "Please bring your questions to the meeting on Friday.",
  "We spent the spring testing the new cameras.",
  "Thank you all for your hard work this year.",
];
const SCRIPT = SENTENCES.join(" ");
const API_KEY = "sk-test-local-text-only";
const MODEL = "acme-transcribe-text";

let stack: Stack;
let server: OpenAICompatibleServer;
let outDir: string;

beforeAll(async () => {
  server = await startOpenAICompatibleServer({ apiKey: API_KEY, mode: "text-only", script: SCRIPT });
  const transcriber = { TRANSCRIBER: "openai", OPENAI_MODEL: MODEL };
  stack = await startStack({
    env: transcriber,
    workerEnv: {
      ...transcriber,
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: server.baseURL,
      // ~6 s chunks: several chunks, each cut at a silence, from a short clip.
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

describe("worker pipeline with a text-only model against a local stand-in (pocketsphinx hears each chunk, the known flite script supplies its text)", () => {
  it("learns from the 400 that the model has no timestamps, sends json chunks, and aligns the words: WER ≤ 5 %, sentence onsets within 300 ms", async () => {
    const speech = await makeTimedSpeechWav({ sentences: SENTENCES, pausesSec: [0.6, 1.0, 0.4, 0.8] });
    const clip = await makeVideoOverWav({ wav: speech });
    // Every chunk is recognised twice (the stand-in hears it, the worker aligns it): slow on a loaded machine.
    const job = await captionFile(stack.baseUrl, clip.path, { timeoutMs: 400_000 });
    const { wer } = await assertCaptionedOutput(job, { ...clip, script: SCRIPT, outDir, maxWer: 0.05 });
    expect(job.result?.transcriber).toEqual({
      backend: "openai",
      model: MODEL,
      punctuation: "native",
      wordTiming: "aligned",
    });

    // One refused verbose_json request, then only plain json chunks.
    const [first, ...rest] = server.requests;
    expect(first).toMatchObject({ responseFormat: "verbose_json", status: 400 });
    expect(rest.length).toBeGreaterThanOrEqual(2);
    expect(rest.every((r) => r.responseFormat === "json" && r.status === 200 && r.model === MODEL)).toBe(true);

    // The model's casing and punctuation survive, and every sentence that opens a cue opens it on time.
    const cues = parseSrt((await download(job.result?.srtUrl ?? "")).toString("utf8"));
    const text = cues.flatMap((cue) => cue.lines).join(" ");
    expect(text).toContain("Good morning and welcome to the weekly update.");
    const onTime = speech.sentences.map((sentence) => {
      const opening = sentence.text.split(" ").slice(0, 2).join(" ");
      const cue = cues.find((c) => (c.lines[0] ?? "").startsWith(opening));
      return cue ? Math.abs(cue.start - sentence.start) : null;
    });
    console.log(
      `text-only + alignment: WER ${(wer * 100).toFixed(1)}%, onset errors ${onTime.map((e) => (e === null ? "—" : `${Math.round(e * 1000)} ms`)).join(", ")}`,
    );
    const opened = onTime.filter((e): e is number => e !== null);
    expect(opened.length).toBeGreaterThanOrEqual(3);
    for (const error of opened) expect(error).toBeLessThanOrEqual(0.3);

    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id }, include: { events: true } });
    const completed = row.events.find((e) => e.type === "completed")?.data as { alignment?: { forced: number } };
    expect(completed.alignment?.forced).toBeGreaterThanOrEqual(2);
  }, 480_000);

  it("offers the model's languages, and the API takes French for it", async () => {
    const capabilities = await (await fetch(`${stack.baseUrl}/api/capabilities`)).json();
    expect(capabilities).toMatchObject({ backend: "openai", model: MODEL, detectsLanguage: true });
    expect(capabilities.languages).toEqual(expect.arrayContaining(["en", "fr", "de"]));
  });
});
