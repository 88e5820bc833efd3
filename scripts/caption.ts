// `npm run caption -- ./video.mp4 [--language en] [--soft] [--out dir] [--url http://127.0.0.1:3000] [--api-key cap_…]`
// Captions one video through a running Captioner's public API — the same calls the upload page makes:
// ask for an upload URL, stream the file to it, start the job, follow it, download the three results.
// Files above the server's MULTIPART_THRESHOLD go up in parts (4 at once, each retried), and an interrupted
// upload resumes on the next run from `<video>.upload.json`, kept beside the video until the upload is done.
// Progress goes to stderr (one redrawn line on a terminal, occasional lines otherwise); the saved paths go
// to stdout, one per line, so scripts can use them.

import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { parseArgs } from "node:util";
import { fetchWithApiKey } from "../lib/client/api-key-fetch";
import { countChunks, filePartSender } from "../lib/client/file-part-sender";
import { formatBytes, formatRate, formatTimeLeft } from "../lib/client/human-units";
import { jobStepLabel } from "../lib/client/job-labels";
import { type ResumeStore, sendPlan, startOrResumeUpload, type UploadPlan } from "../lib/client/part-uploader";
import { pollJob } from "../lib/client/poll-job";
import { TransferMeter, type TransferStats } from "../lib/client/transfer-meter";
import {
  ApiRequestError,
  errorFromResponse,
  fetchCapabilities,
  fetchJob,
  type PublicJob,
  startProcessing,
  type UploadTicket,
} from "../lib/client/video-api";
import { videoContentType } from "../lib/client/video-file";

const USAGE = `Usage: npm run caption -- <video> [options]

Captions a video with a running Captioner server and saves, next to the video (or in --out):
  <name>.captioned.mp4   the video with captions
  <name>.captioned.srt   the captions as SubRip subtitles
  <name>.captioned.vtt   the captions as WebVTT subtitles

Options:
  --language <code>   spoken language: "auto" (default) or a two-letter code the server's recogniser
                      offers (checked before uploading; GET /api/capabilities lists them)
  --soft              soft subtitles (a track viewers can switch off) instead of burned-in captions
  --out <dir>         folder for the results (default: the video's folder)
  --url <url>         the Captioner server (default: $CAPTIONER_URL or http://127.0.0.1:3000)
  --api-key <key>     an API key (cap_…), sent as Authorization: Bearer to the server's API; needed when
                      the server has PUBLIC_SUBMISSIONS=key. Prefer $CAPTIONER_API_KEY: a flag shows in ps
  -h, --help          show this help
`;

/** Limits for the calls this CLI makes (the app's TIMEOUTS table covers server-side calls only). */
const LIMITS = {
  /** A JSON API call (upload ticket, start, one poll). */
  apiRequestMs: 30_000,
  /** An upload or download is abandoned when no byte moves for this long; a slow link may take hours. */
  transferStallMs: 60_000,
  /** Failed polls in a row before giving up on following the job (~2 min at the 5 s ceiling). */
  maxPollFailures: 24,
  /** Non-terminal output: at most one progress line this often, plus one per phase. */
  plainLineIntervalMs: 5_000,
  /** Terminal output: redraws at most this often. */
  ttyRedrawMs: 100,
} as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface Options {
  file: string;
  language: string;
  burnIn: boolean;
  outDir: string;
  baseUrl: string;
  apiKey: string | null;
}

function parseOptions(argv: string[]): Options | "help" {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error) {
    throw new CliError(`${(error as Error).message}. Run with --help for usage.`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1) {
    throw new CliError(
      positionals.length === 0 ? "no video given. Run with --help for usage." : "give exactly one video.",
      2,
    );
  }
  const language = values.language ?? "auto";
  if (language !== "auto" && !/^[a-z]{2}$/.test(language)) {
    throw new CliError(`--language must be "auto" or a two-letter code such as en (got "${language}").`, 2);
  }
  const rawUrl = values.url ?? process.env.CAPTIONER_URL ?? "http://127.0.0.1:3000";
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new CliError(`--url is not a URL: "${rawUrl}".`, 2);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError("--url must be http or https.", 2);
  const file = path.resolve(positionals[0] ?? "");
  const apiKey = values["api-key"] ?? process.env.CAPTIONER_API_KEY ?? "";
  if (apiKey !== "" && !/^\S+$/.test(apiKey)) throw new CliError("--api-key must not contain spaces.", 2);
  return {
    file,
    language,
    burnIn: !values.soft,
    outDir: path.resolve(values.out ?? path.dirname(file)),
    baseUrl: url.href.replace(/\/+$/, ""),
    apiKey: apiKey === "" ? null : apiKey,
  };
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      language: { type: "string" },
      soft: { type: "boolean" },
      out: { type: "string" },
      url: { type: "string" },
      "api-key": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/**
 * One status line on stderr. On a terminal it is redrawn in place; otherwise (CI logs, pipes) a new line
 * is printed only when `key` changes (a new phase) or every few seconds, so logs stay short.
 */
class ProgressLine {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastKey: string | null = null;
  private lastWrite = 0;
  private drawn = false;

  update(text: string, key: string): void {
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastWrite < LIMITS.ttyRedrawMs && key === this.lastKey) return;
      // columns is 0 on a pseudo-terminal without a size (script(1), some CI runners).
      const width = Math.max(20, (process.stderr.columns || 80) - 1);
      process.stderr.write(`\r\x1b[2K${text.slice(0, width)}`);
      this.drawn = true;
    } else {
      if (key === this.lastKey && now - this.lastWrite < LIMITS.plainLineIntervalMs) return;
      process.stderr.write(`${text}\n`);
    }
    this.lastKey = key;
    this.lastWrite = now;
  }

  /** Ends the current line with `text`, always shown. */
  done(text: string): void {
    if (this.tty) process.stderr.write(`\r\x1b[2K${text}\n`);
    else process.stderr.write(`${text}\n`);
    this.drawn = false;
    this.lastKey = null;
  }

  /** Leaves the redrawn line so a message printed next starts on a fresh line. */
  clear(): void {
    if (this.tty && this.drawn) process.stderr.write("\n");
    this.drawn = false;
  }
}

function bar(percent: number, width = 24): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

function transferText(verb: string, stats: TransferStats): string {
  const parts = [`${formatBytes(stats.sent)} of ${formatBytes(stats.total)}`];
  if (stats.bytesPerSec !== null) parts.push(formatRate(stats.bytesPerSec));
  if (stats.secondsLeft !== null && stats.sent < stats.total) parts.push(formatTimeLeft(stats.secondsLeft));
  return `${verb.padEnd(11)} ${bar(stats.percent)} ${String(stats.percent).padStart(3)}%  ${parts.join(" · ")}`;
}

/** Aborts when no byte moved for LIMITS.transferStallMs; `touch()` on every chunk. */
function stallGuard(parent: AbortSignal) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new CliError(`no data moved for ${LIMITS.transferStallMs / 1000} s; giving up.`)),
      LIMITS.transferStallMs,
    );
  };
  touch();
  return { signal: AbortSignal.any([parent, controller.signal]), touch, stop: () => clearTimeout(timer) };
}

async function uploadFile(
  ticket: UploadTicket,
  file: string,
  size: number,
  progress: ProgressLine,
  signal: AbortSignal,
): Promise<void> {
  const meter = new TransferMeter(size);
  const guard = stallGuard(signal);
  let sent = 0;
  progress.update(transferText("Uploading", meter.sample(0, performance.now())), "upload:0");
  const body = Readable.toWeb(
    Readable.from(
      countChunks(createReadStream(file), (bytes) => {
        sent += bytes;
        guard.touch();
        const stats = meter.sample(sent, performance.now());
        // Plain output: a line at 0, 25, 50 and 75 %; the "Uploaded" line below says 100 %.
        progress.update(transferText("Uploading", stats), `upload:${Math.min(3, Math.floor(stats.percent / 25))}`);
      }),
    ),
  );
  try {
    // Streamed from disk with its length declared: presigned S3 PUTs refuse chunked bodies, and a 2 GiB
    // file is never held in memory.
    const response = await fetch(ticket.uploadUrl, {
      method: ticket.method,
      headers: { ...ticket.headers, "Content-Length": String(size) },
      body: body as unknown as ReadableStream<Uint8Array>,
      duplex: "half",
      signal: guard.signal,
    } as RequestInit);
    if (!response.ok) throw describeRefusal("upload refused by storage", await errorFromResponse(response));
  } finally {
    guard.stop();
  }
  progress.done(transferText("Uploaded", meter.sample(size, performance.now())));
}

/** `<video>.upload.json`: the plan to resume, valid only for the same file (size, mtime) and server. */
function resumeFile(
  file: string,
  info: { size: number; mtimeMs: number },
  baseUrl: string,
): ResumeStore & { path: string } {
  const statePath = `${file}.upload.json`;
  return {
    path: statePath,
    async load() {
      try {
        const saved = JSON.parse(await readFile(statePath, "utf8")) as {
          statusUrl?: string;
          size?: number;
          mtimeMs?: number;
          server?: string;
        };
        if (saved.statusUrl && saved.size === info.size && saved.mtimeMs === info.mtimeMs && saved.server === baseUrl) {
          return { statusUrl: saved.statusUrl };
        }
      } catch {
        // none, or unreadable: a fresh upload
      }
      return null;
    },
    async save(plan: UploadPlan) {
      const state = {
        statusUrl: plan.statusUrl,
        uploadId: plan.uploadId,
        size: info.size,
        mtimeMs: info.mtimeMs,
        server: baseUrl,
      };
      // Written whole then renamed: a crash mid-write never leaves a state file that cannot be read.
      await writeFile(`${statePath}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
      await rename(`${statePath}.tmp`, statePath);
    },
    async clear() {
      await rm(statePath, { force: true });
    },
  };
}

/** Sends the plan's missing parts and completes it; progress is the sum over all parts. */
async function uploadInParts(
  plan: UploadPlan,
  file: string,
  progress: ProgressLine,
  signal: AbortSignal,
): Promise<string> {
  const meter = new TransferMeter(plan.size);
  const show = (sent: number) => {
    const stats = meter.sample(sent, performance.now());
    progress.update(transferText("Uploading", stats), `upload:${Math.min(3, Math.floor(stats.percent / 25))}`);
  };
  let retrying = false;
  const key = await sendPlan({
    plan,
    sendPart: filePartSender(file, {
      stallMs: LIMITS.transferStallMs,
      onBytes: () => {
        retrying = false;
      },
    }),
    signal,
    onProgress: show,
    onRetry: (error, partNumber, failures) => {
      if (retrying) return;
      retrying = true;
      const why = error instanceof Error ? error.message : String(error);
      progress.update(
        `${"Uploading".padEnd(11)} part ${partNumber} failed (${why}); retrying (try ${failures + 1})…`,
        `retry:${partNumber}`,
      );
    },
  });
  progress.done(transferText("Uploaded", meter.sample(plan.size, performance.now())));
  return key;
}

async function downloadFile(url: string, target: string, progress: ProgressLine, signal: AbortSignal): Promise<number> {
  const guard = stallGuard(signal);
  const temp = `${target}.part`;
  try {
    const response = await fetch(url, { signal: guard.signal });
    if (!response.ok || !response.body) {
      throw describeRefusal(`download of ${path.basename(target)} failed`, await errorFromResponse(response));
    }
    const name = path.basename(target);
    // Without a Content-Length (a chunked response) there is no percentage, only bytes so far.
    const total = Number(response.headers.get("content-length") ?? 0);
    const meter = new TransferMeter(total);
    let received = 0;
    const source = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
    await pipeline(
      Readable.from(
        countChunks(source, (bytes) => {
          received += bytes;
          guard.touch();
          const text =
            total > 0
              ? transferText("Downloading", meter.sample(received, performance.now()))
              : `${"Downloading".padEnd(11)} ${name}  ${formatBytes(received)}`;
          progress.update(text, `download:${name}`);
        }),
      ),
      createWriteStream(temp),
    );
    await rename(temp, target);
    // The last progress line may be seconds old (lines are throttled) or a guess without a size (the local
    // driver's downloads come chunked: Next.js drops a route's Content-Length): say what was saved.
    progress.done(`${"Downloaded".padEnd(11)} ${name}  ${formatBytes(received)}`);
    return received;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    guard.stop();
  }
}

function describeRefusal(what: string, error: ApiRequestError): CliError {
  const hint =
    error.code === "API_KEY_REQUIRED" || error.code === "INVALID_API_KEY"
      ? " Pass an API key with $CAPTIONER_API_KEY or --api-key (an admin creates one: npm run apikey:create)."
      : "";
  return new CliError(`${what}: ${error.code} — ${error.message}${hint}`);
}

/** Turns a failed API call into the one line the user sees. */
function describeApiFailure(error: unknown, what: string, baseUrl: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ApiRequestError) {
    if (error.code === "UNREACHABLE") {
      const cause = error.cause instanceof Error ? error.cause : undefined;
      const root = cause?.cause as { code?: string; message?: string } | undefined;
      const reason = root?.code ?? root?.message ?? cause?.message ?? "no answer";
      return new CliError(`cannot reach the Captioner server at ${baseUrl} (${reason}). Is it running? See --url.`);
    }
    return describeRefusal(what, error);
  }
  if (error instanceof Error && error.name === "TimeoutError") {
    return new CliError(`${what}: the server at ${baseUrl} did not answer within ${LIMITS.apiRequestMs / 1000} s.`);
  }
  return new CliError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

function apiSignal(parent: AbortSignal): AbortSignal {
  return AbortSignal.any([parent, AbortSignal.timeout(LIMITS.apiRequestMs)]);
}

/** Refuses a language the server's recogniser lacks before a byte is uploaded (the server refuses it too). */
async function checkLanguage(options: Options, signal: AbortSignal): Promise<void> {
  if (options.language === "auto") return;
  const capabilities = await fetchCapabilities(options.baseUrl, apiSignal(signal)).catch((error: unknown) => {
    // A server older than /api/capabilities: its own check at POST /api/video/process still applies.
    if (error instanceof ApiRequestError && error.status === 404) return null;
    throw describeApiFailure(error, "could not ask the server what it can do", options.baseUrl);
  });
  if (!capabilities || capabilities.languages.includes(options.language)) return;
  throw new CliError(
    `--language ${options.language} is not offered by the server's speech recogniser ` +
      `(${capabilities.backend}, ${capabilities.model}): use auto or one of ${capabilities.languages.join(", ")}.`,
    2,
  );
}

async function caption(options: Options, signal: AbortSignal, onJob: (id: string) => void): Promise<string[]> {
  const info = await stat(options.file).catch(() => null);
  if (!info?.isFile()) throw new CliError(`cannot read ${options.file}: no such file.`);
  // Made before the upload so a bad --out fails at once, and taken away again if the job does not complete:
  // a failed run leaves no empty folder behind.
  const created = await mkdir(options.outDir, { recursive: true }).catch((error: Error) => {
    throw new CliError(`cannot create the output folder ${options.outDir}: ${error.message}`);
  });
  try {
    return await captionInto(options, info, signal, onJob);
  } catch (error) {
    if (created) await removeEmptyFolders(options.outDir, created);
    throw error;
  }
}

/** rmdir from `deepest` up to and including `top`, stopping at the first folder that is not empty. */
async function removeEmptyFolders(deepest: string, top: string): Promise<void> {
  for (let dir = deepest; ; dir = path.dirname(dir)) {
    if (
      !(await rmdir(dir).then(
        () => true,
        () => false,
      ))
    )
      return;
    if (dir === top || path.dirname(dir) === dir) return;
  }
}

async function captionInto(
  options: Options,
  info: { size: number; mtimeMs: number },
  signal: AbortSignal,
  onJob: (id: string) => void,
): Promise<string[]> {
  const name = path.basename(options.file);
  const stem = name.replace(/\.[^.]*$/, "") || name;
  const progress = new ProgressLine();
  await checkLanguage(options, signal);

  // The server decides what it accepts: an unknown extension is sent as a generic type and refused there,
  // with the server's own message and code.
  const contentType = videoContentType(name) ?? "application/octet-stream";
  const store = resumeFile(options.file, info, options.baseUrl);
  const start = await startOrResumeUpload({
    baseUrl: options.baseUrl,
    file: { filename: name, contentType, size: info.size },
    store,
    signal: apiSignal(signal),
  }).catch((error: unknown) => {
    throw describeApiFailure(error, "upload refused", options.baseUrl);
  });
  let key: string;
  try {
    if (start.kind === "single") {
      await uploadFile(start.ticket, options.file, info.size, progress, signal);
      key = start.ticket.key;
    } else {
      if (start.resumed) {
        const have = start.plan.uploadedParts.length;
        process.stderr.write(`Resuming the earlier upload: ${have} of ${start.plan.partCount} parts already stored.\n`);
      }
      key = await uploadInParts(start.plan, options.file, progress, signal);
      await store.clear();
    }
  } catch (error) {
    progress.clear();
    if (start.kind === "plan")
      process.stderr.write(`The upload can be resumed: run the same command again (${path.basename(store.path)}).\n`);
    if (signal.aborted) throw error;
    throw describeApiFailure(error, "upload failed", options.baseUrl);
  }

  const job = await startProcessing(
    options.baseUrl,
    key,
    { language: options.language, burnIn: options.burnIn },
    randomUUID(),
    apiSignal(signal),
  ).catch((error: unknown) => {
    throw describeApiFailure(error, "could not start the job", options.baseUrl);
  });
  onJob(job.id);
  process.stderr.write(`Job ${job.id} started: ${options.baseUrl}/jobs/${job.id}\n`);

  const showJob = (state: PublicJob) => {
    const label = jobStepLabel(state, options.burnIn);
    progress.update(
      `${"Processing".padEnd(11)} ${bar(state.progress)} ${String(state.progress).padStart(3)}%  ${label}`,
      `${state.status}:${state.phase}`,
    );
  };
  const final = await pollJob({
    signal,
    maxFailures: LIMITS.maxPollFailures,
    fetchJob: (pollSignal) => fetchJob(options.baseUrl, job.id, apiSignal(pollSignal)),
    onUpdate: showJob,
  }).catch((error: unknown) => {
    progress.clear();
    if (signal.aborted) throw error;
    throw describeApiFailure(error, `lost track of job ${job.id}`, options.baseUrl);
  });

  if (final.status !== "completed" || !final.result) {
    progress.clear();
    const code = final.error?.code ?? (final.status === "canceled" ? "CANCELED" : "INTERNAL");
    const message = final.error?.message ?? "no reason given.";
    throw new CliError(`job ${job.id} ${final.status}: ${code} — ${message}`);
  }
  const took = final.startedAt && final.finishedAt ? Date.parse(final.finishedAt) - Date.parse(final.startedAt) : null;
  progress.done(
    `${"Processed".padEnd(11)} ${bar(100)} 100%  ${took !== null ? `in ${(took / 1000).toFixed(1)} s` : "done"}`,
  );

  const saved: string[] = [];
  const { videoUrl, srtUrl, vttUrl } = final.result;
  for (const [url, ext] of [
    [videoUrl, "mp4"],
    [srtUrl, "srt"],
    [vttUrl, "vtt"],
  ] as const) {
    const target = path.join(options.outDir, `${stem}.captioned.${ext}`);
    await downloadFile(url, target, progress, signal).catch((error: unknown) => {
      progress.clear();
      if (signal.aborted) throw error;
      throw describeApiFailure(error, `download of ${path.basename(target)} failed`, options.baseUrl);
    });
    saved.push(target);
  }
  progress.done(`Saved ${saved.length} files to ${options.outDir}`);
  if (final.result.noSpeech) process.stderr.write("No speech was found; the captions are empty.\n");
  return saved;
}

async function main(): Promise<number> {
  let options: Options | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`caption: ${(error as Error).message}\n`);
    return error instanceof CliError ? error.exitCode : 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }

  // Every API call of this process carries the key (never a storage URL: lib/client/api-key-fetch.ts).
  if (options.apiKey) globalThis.fetch = fetchWithApiKey(globalThis.fetch, options.baseUrl, options.apiKey);
  const controller = new AbortController();
  let jobId: string | null = null;
  process.once("SIGINT", () => controller.abort(new CliError("interrupted.", 130)));
  try {
    const saved = await caption(options, controller.signal, (id) => {
      jobId = id;
    });
    for (const file of saved) process.stdout.write(`${file}\n`);
    return 0;
  } catch (error) {
    const failure = controller.signal.aborted ? controller.signal.reason : error;
    if (controller.signal.aborted && jobId) {
      // On a terminal the progress line (and the echoed ^C) is still open.
      const lead = process.stderr.isTTY ? "\n" : "";
      process.stderr.write(
        `${lead}caption: stopped following job ${jobId}; it keeps running: ${options.baseUrl}/jobs/${jobId}\n`,
      );
      return 130;
    }
    const message = failure instanceof Error ? failure.message : String(failure);
    process.stderr.write(`caption: ${message}\n`);
    return failure instanceof CliError ? failure.exitCode : 1;
  }
}

process.exitCode = await main();
