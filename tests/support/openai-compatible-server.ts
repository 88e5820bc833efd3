import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { PocketsphinxTranscriber } from "../../worker/transcribe/pocketsphinx";
import type { Transcript } from "../../worker/transcribe/types";
import { probeDurationSec, runFfmpeg } from "./make-media";
import { normaliseWords } from "./wer";

// A local stand-in for OpenAI's `POST /v1/audio/transcriptions`, with real recognition behind it: the
// upload is decoded by ffmpeg and recognised by pocketsphinx, and the answer has whisper-1's
// verbose_json shape. Tests drive the real `openai` SDK against it, so multipart encoding, auth,
// retries and error shapes are exercised end to end without the internet.
// Mode "text-only" answers like gpt-transcribe: plain `json`/`text`, and 400 to verbose_json. Its text is
// pocketsphinx's words, or — given the known `script` of the flite speech — the span of the script that
// pocketsphinx heard in this upload, with the script's casing and punctuation: the perfect text a strong
// model would return, found by real recognition of the audio it was sent.

export type ServerMode =
  /** OpenAI: `words` at the top level (when word timestamps are asked for) plus `segments`. */
  | "words"
  /** Servers that only give segments. */
  | "segments-only"
  /** whisper.cpp's whisper-server: words nested in `segments[].words`, none at the top level. */
  | "nested-words"
  /** gpt-transcribe, gpt-4o-*-transcribe: `json`/`text` only, 400 to verbose_json or timestamp granularities. */
  | "text-only";

export interface OpenAICompatibleServerOptions {
  apiKey: string;
  mode?: ServerMode;
  /** Answer the first N authorised requests with an error (500 unless `failStatus` says otherwise). */
  failFirst?: number;
  failStatus?: number;
  /** The `error.code` of those failures, e.g. "insufficient_quota" with failStatus 429. */
  failCode?: string;
  /** Bodies above this get 413 like OpenAI's 25 MB limit. */
  maxBodyBytes?: number;
  /** text-only mode: answer with the span of this script heard in each upload (uploads arrive in order). */
  script?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  /** Bytes of the whole multipart body. */
  bodyBytes: number;
  /** Bytes of the uploaded audio file, when one was parsed. */
  fileBytes: number | null;
  fileName: string | null;
  model: string | null;
  language: string | null;
  responseFormat: string | null;
  granularities: string[];
}

export interface OpenAICompatibleServer {
  /** For the SDK's `baseURL`, e.g. http://127.0.0.1:41234/v1 */
  baseURL: string;
  requests: RecordedRequest[];
  /** text-only mode: follow another script from its start (one script per job). */
  setScript(script: string): void;
  close(): Promise<void>;
}

const TRANSCRIPTIONS_PATH = "/v1/audio/transcriptions";

export async function startOpenAICompatibleServer(
  options: OpenAICompatibleServerOptions,
): Promise<OpenAICompatibleServer> {
  const requests: RecordedRequest[] = [];
  const recogniser = new PocketsphinxTranscriber();
  let authorisedCount = 0;
  let follower = options.script ? new ScriptFollower(options.script) : null;
  /** Handlers still running (a recognition whose client hung up is being stopped and cleaned up). */
  const inflight = new Set<Promise<void>>();

  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? "",
      path: new URL(req.url ?? "/", "http://127.0.0.1").pathname,
      status: 0,
      bodyBytes: 0,
      fileBytes: null,
      fileName: null,
      model: null,
      language: null,
      responseFormat: null,
      granularities: [],
    };
    requests.push(record);
    const send = (status: number, body: unknown, contentType = "application/json") => {
      record.status = status;
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { "content-type": contentType, "x-request-id": `req_${randomBytes(6).toString("hex")}` });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const context = { options, recogniser, record, send, nextAuthorised: () => ++authorisedCount, follower };
    const handled = handle(req, res, context)
      .catch((error: unknown) => {
        send(
          500,
          apiError(`Test server failure: ${error instanceof Error ? error.message : String(error)}`, "server_error"),
        );
      })
      .finally(() => inflight.delete(handled));
    inflight.add(handled);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    setScript: (script) => {
      follower = new ScriptFollower(script);
    },
    close: async () => {
      // Dropping the connections aborts running recognitions; waiting for their handlers lets each one
      // remove its temp dir before the test process exits.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inflight]);
    },
  };
}

interface HandlerContext {
  options: OpenAICompatibleServerOptions;
  recogniser: PocketsphinxTranscriber;
  record: RecordedRequest;
  send: (status: number, body: unknown, contentType?: string) => void;
  nextAuthorised: () => number;
  follower: ScriptFollower | null;
}

async function handle(req: IncomingMessage, res: ServerResponse, context: HandlerContext): Promise<void> {
  const { options, record, send } = context;
  if (record.path !== TRANSCRIPTIONS_PATH) {
    req.resume();
    return send(404, apiError(`Invalid URL (${record.method} ${record.path})`, "invalid_request_error"));
  }
  if (record.method !== "POST") {
    req.resume();
    return send(405, apiError(`Method ${record.method} not allowed`, "invalid_request_error"));
  }
  const sentKey = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
  if (sentKey !== options.apiKey) {
    req.resume();
    // OpenAI echoes a masked form of the key it was given; the worker must not pass even that on.
    const masked = sentKey.length > 8 ? `${sentKey.slice(0, 3)}*****${sentKey.slice(-4)}` : "";
    return send(
      401,
      apiError(
        `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        "invalid_request_error",
        "invalid_api_key",
      ),
    );
  }
  if (context.nextAuthorised() <= (options.failFirst ?? 0)) {
    req.resume();
    const status = options.failStatus ?? 500;
    const message =
      status >= 500 ? "The server had an error while processing your request. Sorry about that!" : "Request failed.";
    return send(status, apiError(message, status >= 500 ? "server_error" : "requests", options.failCode ?? null));
  }
  const declaredBytes = Number(req.headers["content-length"] ?? 0);
  if (declaredBytes > (options.maxBodyBytes ?? 25 * 1024 * 1024)) {
    req.resume();
    return send(413, apiError("Maximum content size limit exceeded.", "invalid_request_error"));
  }

  const form = await readForm(req, record);
  const file = form.get("file");
  record.model = stringField(form, "model");
  record.language = stringField(form, "language");
  record.responseFormat = stringField(form, "response_format") ?? "json";
  record.granularities = form.getAll("timestamp_granularities[]").filter((v): v is string => typeof v === "string");
  if (!(file instanceof File)) return send(400, apiError("Missing file.", "invalid_request_error", null, "file"));
  if (!record.model) return send(400, apiError("Missing model.", "invalid_request_error", null, "model"));
  record.fileBytes = file.size;
  record.fileName = file.name;
  if (options.mode === "text-only" && (record.responseFormat === "verbose_json" || record.granularities.length > 0)) {
    // What OpenAI answers for gpt-4o-transcribe / gpt-transcribe.
    return send(
      400,
      apiError(
        `response_format '${record.responseFormat}' is not compatible with model '${record.model}'. Use 'json' or 'text' instead.`,
        "invalid_request_error",
        "unsupported_value",
        "response_format",
      ),
    );
  }

  // A client that hangs up (timeout, cancel) stops the recognition it started.
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableEnded) abort.abort();
  });

  const workDir = await mkdtemp(path.join(tmpdir(), "openai-compatible-"));
  try {
    const upload = path.join(workDir, `upload${path.extname(file.name) || ".bin"}`);
    const wav = path.join(workDir, "audio.wav");
    await writeFile(upload, Buffer.from(await file.arrayBuffer()));
    try {
      await runFfmpeg(["-i", upload, "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", wav]);
    } catch {
      return send(400, apiError("Invalid file format.", "invalid_request_error", null, "file"));
    }
    const durationSec = await probeDurationSec(wav);
    const transcript = await context.recogniser.transcribe({
      wavPath: wav,
      durationSec,
      workDir,
      signal: abort.signal,
      onProgress: () => {},
    });
    const format = record.responseFormat;
    const text =
      options.mode === "text-only" && context.follower
        ? context.follower.take(transcript.words.map((w) => w.text))
        : transcriptText(transcript);
    if (format === "text") return send(200, text, "text/plain; charset=utf-8");
    if (format === "json") return send(200, { text, usage: { type: "duration", seconds: Math.ceil(durationSec) } });
    if (format !== "verbose_json") {
      return send(400, apiError(`Unsupported response_format ${format} in this test server.`, "invalid_request_error"));
    }
    send(200, verboseJson(transcript, durationSec, options.mode ?? "words", record.granularities));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Parses multipart with the web-standard Request, counting the body's bytes on the way through. */
async function readForm(req: IncomingMessage, record: RecordedRequest): Promise<FormData> {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      record.bodyBytes += chunk.length;
      callback(null, chunk);
    },
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const request = new Request(`http://127.0.0.1${req.url ?? "/"}`, {
    method: "POST",
    headers,
    body: Readable.toWeb(req.pipe(counter)) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit & { duplex: "half" });
  return request.formData();
}

/** whisper-1's verbose_json, shaped per server mode. */
function verboseJson(transcript: Transcript, durationSec: number, mode: ServerMode, granularities: string[]) {
  const wantWords = granularities.includes("word");
  const wantSegments = granularities.length === 0 || granularities.includes("segment") || mode !== "words";
  const segments = transcript.segments.map((segment, id) => ({
    id,
    seek: 0,
    start: segment.start,
    end: segment.end,
    // Whisper's segment texts start with a space; clients must trim.
    text: ` ${segment.text}`,
    tokens: [],
    temperature: 0,
    avg_logprob: -0.25,
    compression_ratio: 1.2,
    no_speech_prob: 0.01,
    ...(mode === "nested-words"
      ? {
          words: (segment.words ?? []).map((w) => ({
            word: ` ${w.text}`,
            start: w.start,
            end: w.end,
            probability: 0.9,
          })),
        }
      : {}),
  }));
  return {
    task: "transcribe",
    language: "english",
    duration: durationSec,
    text: transcriptText(transcript),
    ...(mode === "words" && wantWords
      ? { words: transcript.words.map((w) => ({ word: w.text, start: w.start, end: w.end })) }
      : {}),
    ...(wantSegments ? { segments } : {}),
    usage: { type: "duration", seconds: Math.ceil(durationSec) },
  };
}

function transcriptText(transcript: Transcript): string {
  return transcript.words.map((w) => w.text).join(" ");
}

function apiError(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

function stringField(form: FormData, name: string): string | null {
  const value = form.get(name);
  return typeof value === "string" ? value : null;
}

/**
 * Walks a known script upload by upload: each upload's text is the script from where the last one ended to
 * the word that best matches the last words pocketsphinx heard (minimum edit distance, free end). Script
 * words the recogniser missed at a chunk's start are kept (the span starts at the cursor), and the last
 * two words of the script join the upload that reaches them.
 */
export class ScriptFollower {
  private readonly tokens: string[];
  private readonly keys: string[];
  private cursor = 0;

  constructor(script: string) {
    this.tokens = script.split(/\s+/).filter((t) => t !== "");
    this.keys = this.tokens.map((t) => normaliseWords(t).join(""));
  }

  take(heard: readonly string[]): string {
    const said = heard.map((w) => normaliseWords(w).join("")).filter((k) => k !== "");
    if (said.length === 0 || this.cursor >= this.tokens.length) return "";
    const from = this.cursor;
    const width = this.tokens.length - from;
    // cost[i][j]: the first i heard words against script tokens from..from+j.
    let previous = Array.from({ length: width + 1 }, (_, j) => j);
    for (let i = 1; i <= said.length; i++) {
      const current = [i];
      for (let j = 1; j <= width; j++) {
        const same = said[i - 1] === this.keys[from + j - 1];
        current.push(
          Math.min((previous[j - 1] ?? 0) + (same ? 0 : 1), (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1),
        );
      }
      previous = current;
    }
    let end = 1;
    for (let j = 1; j <= width; j++) if ((previous[j] ?? 0) < (previous[end] ?? 0)) end = j;
    if (width - end <= 2) end = width;
    this.cursor = from + end;
    return this.tokens.slice(from, from + end).join(" ");
  }
}
