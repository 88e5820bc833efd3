// npm run model:download -- base.en [--dir .data/models]
//
// Downloads a whisper.cpp ggml model from its public host (Hugging Face, ggerganov/whisper.cpp), into
// `<name>.part` with HTTP Range resume, checks its SHA-1 against whisper.cpp's published table, and only
// then renames it to ggml-<name>.bin: a model file that exists is always complete and verified.
// WHISPER_MODEL_BASE_URL points it at a mirror (or the tests' local server).

import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_MODEL_DIR } from "../worker/transcribe/whisper";

export const DEFAULT_MODEL_BASE_URL = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";

/**
 * SHA-1 of each model file, copied from whisper.cpp's models/README.md ("Available models", commit
 * ada745f4a5af9a5e237fda9ca402b4b73919bdde): the files the host serves under ggml-<name>.bin.
 */
export const MODEL_SHA1: Record<string, string> = {
  tiny: "bd577a113a864445d4c299885e0cb97d4ba92b5f",
  "tiny.en": "c78c86eb1a8faa21b369bcd33207cc90d64ae9df",
  base: "465707469ff3a37a2b9b8d8f89f2f99de7299dac",
  "base.en": "137c40403d78fd54d454da0f9bd998f78703390c",
  small: "55356645c2b361a969dfd0ef2c5a50d530afd8d5",
  "small.en": "db8a495a91d927739e50b3fc1cc4c6b8f6c2d022",
  "small.en-tdrz": "b6c6e7e89af1a35c08e6de56b66ca6a02a2fdfa1",
  medium: "fd9727b6e1217c2f614f9b698455c4ffd82463b4",
  "medium.en": "8c30f0e44ce9560643ebd10bbe50cd20eafd3723",
  "large-v1": "b1caaf735c4cc1429223d5a74f0f4d0b9b59a299",
  "large-v2": "0f4c8e34f21cf1a914c59d8b3ce882345ad349d6",
  "large-v2-q5_0": "00e39f2196344e901b3a2bd5814807a769bd1630",
  "large-v3": "ad82bf6a9043ceed055076d0fd39f5f186ff8062",
  "large-v3-q5_0": "e6e2ed78495d403bef4b7cff42ef4aaadcfea8de",
  "large-v3-turbo": "4af2b29d7ec73d781377bfd1758ca957a807e941",
  "large-v3-turbo-q5_0": "e050f7970618a659205450ad97eb95a18d69c9ee",
};

/** No byte for this long means the connection is dead (a stalled download must not hang forever). */
const IDLE_TIMEOUT_MS = 60_000;

export interface DownloadProgress {
  received: number;
  total: number | null;
  resumedFrom: number;
}

export interface DownloadOptions {
  name: string;
  sha1: string;
  dir: string;
  baseUrl?: string;
  onProgress?: (progress: DownloadProgress) => void;
  idleTimeoutMs?: number;
}

/** A failure the user can act on: its message is the whole story, printed without a stack. */
export class DownloadError extends Error {
  override name = "DownloadError";
}

export interface Downloaded {
  path: string;
  bytes: number;
  /** true when a verified file was already there */
  existed: boolean;
  resumedFrom: number;
}

export async function downloadModel(options: DownloadOptions): Promise<Downloaded> {
  const target = path.join(options.dir, `ggml-${options.name}.bin`);
  const part = `${target}.part`;
  const url = `${(options.baseUrl ?? DEFAULT_MODEL_BASE_URL).replace(/\/$/, "")}/ggml-${options.name}.bin`;
  await mkdir(options.dir, { recursive: true });

  const existing = await sizeOf(target);
  if (existing !== null) {
    if ((await sha1Of(target)) === options.sha1)
      return { path: target, bytes: existing, existed: true, resumedFrom: 0 };
    throw new DownloadError(
      `${target} exists but its SHA-1 is not the published one for ${options.name}: remove it and run again.`,
    );
  }

  const resumedFrom = (await sizeOf(part)) ?? 0;
  const received = await fetchInto(url, part, resumedFrom, options);

  // Hashing the finished file (rather than the stream) covers a resumed part and a fresh one alike.
  const actual = await sha1Of(part);
  if (actual !== options.sha1) {
    // Resuming a corrupt file can never fix it: discard it, so the next run starts clean.
    await rm(part, { force: true });
    throw new DownloadError(
      `Checksum mismatch for ${options.name}: expected SHA-1 ${options.sha1}, got ${actual}. The download was ` +
        "discarded and no model was installed; run again, or check WHISPER_MODEL_BASE_URL.",
    );
  }
  await rename(part, target);
  return { path: target, bytes: received, existed: false, resumedFrom };
}

/** Streams `url` into `part` (appending from `offset` with a Range request); returns the file's final size. */
async function fetchInto(url: string, part: string, offset: number, options: DownloadOptions): Promise<number> {
  const host = new URL(url).host;
  const controller = new AbortController();
  const idleMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  let idle = setTimeout(() => controller.abort(), idleMs);
  const keepAlive = () => {
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), idleMs);
  };
  const kept = (bytes: number) =>
    bytes > 0
      ? ` ${formatMiB(bytes)} are kept in ${part}; run the same command again to resume.`
      : " Nothing was written.";

  let response: Response;
  try {
    response = await fetch(url, {
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      signal: controller.signal,
      redirect: "follow",
    });
  } catch (error) {
    clearTimeout(idle);
    throw new DownloadError(
      `Cannot reach ${host} (${errnoOf(error) ?? "no answer"}): this machine looks offline or the host is blocked.${kept(offset)} ` +
        "Without network, copy a ggml model file here by hand and set WHISPER_MODEL_PATH to it.",
    );
  }
  if (response.status === 416 && offset > 0) {
    // The part already holds every byte (a previous run died between the last byte and the rename).
    clearTimeout(idle);
    return offset;
  }
  if (response.status !== 200 && response.status !== 206) {
    clearTimeout(idle);
    throw new DownloadError(`${host} answered ${response.status} ${response.statusText} for ${url}.${kept(offset)}`);
  }
  // A 200 to a Range request means the server ignored it: start over rather than append a second copy.
  const start = response.status === 206 ? offset : 0;
  const length = Number(response.headers.get("content-length"));
  const total = Number.isFinite(length) && length > 0 ? start + length : null;
  const file = createWriteStream(part, { flags: start > 0 ? "a" : "w" });
  let received = start;
  try {
    if (!response.body) throw new Error("empty body");
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      keepAlive();
      received += chunk.length;
      if (!file.write(chunk)) await new Promise<void>((resolve) => file.once("drain", () => resolve()));
      options.onProgress?.({ received, total, resumedFrom: offset });
    }
  } catch (error) {
    await closeStream(file);
    throw new DownloadError(
      `The connection to ${host} was lost (${errnoOf(error) ?? (controller.signal.aborted ? `no data for ${idleMs / 1000} s` : "interrupted")}).${kept(received)}`,
    );
  } finally {
    clearTimeout(idle);
  }
  await closeStream(file);
  if (total !== null && received !== total) {
    throw new DownloadError(`The download from ${host} ended early (${received} of ${total} bytes).${kept(received)}`);
  }
  return received;
}

function closeStream(file: ReturnType<typeof createWriteStream>): Promise<void> {
  return new Promise((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch {
    return null;
  }
}

async function sha1Of(file: string): Promise<string> {
  const hash = createHash("sha1");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function errnoOf(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
    current = current.cause;
  }
  return null;
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A one-line bar on a terminal, a line per 10 % otherwise (CI logs, docker build output). */
function progressPrinter(stream: NodeJS.WriteStream): (progress: DownloadProgress) => void {
  const began = Date.now();
  let lastDecile = -1;
  let lastDraw = 0;
  return ({ received, total, resumedFrom }) => {
    const fraction = total ? received / total : null;
    const rate = (received - resumedFrom) / Math.max(0.001, (Date.now() - began) / 1000);
    const text = `${formatMiB(received)}${total ? ` / ${formatMiB(total)}` : ""}  ${formatMiB(rate)}/s`;
    if (stream.isTTY) {
      if (Date.now() - lastDraw < 100 && received !== total) return;
      lastDraw = Date.now();
      const width = 30;
      const filled = fraction === null ? 0 : Math.round(fraction * width);
      const percent = fraction === null ? "" : `${(fraction * 100).toFixed(0).padStart(3)}% `;
      stream.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${percent}${text}   `);
      if (received === total) stream.write("\n");
    } else if (fraction !== null) {
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${decile * 10}%  ${text}\n`);
      }
    }
  };
}

async function main(argv: string[]): Promise<number> {
  const name = argv.find((arg) => !arg.startsWith("--"));
  const dirIndex = argv.indexOf("--dir");
  const dir = dirIndex >= 0 ? (argv[dirIndex + 1] ?? DEFAULT_MODEL_DIR) : DEFAULT_MODEL_DIR;
  const sha1 = name ? MODEL_SHA1[name] : undefined;
  if (!name || !sha1) {
    console.error(
      `usage: npm run model:download -- <model> [--dir ${DEFAULT_MODEL_DIR}]\nmodels: ${Object.keys(MODEL_SHA1).join(", ")}\n` +
        "(.en = English only, smaller and a little more accurate in English; the others detect and translate)",
    );
    return 2;
  }
  const baseUrl = process.env.WHISPER_MODEL_BASE_URL || DEFAULT_MODEL_BASE_URL;
  console.log(`Downloading Whisper model ${name} from ${new URL(baseUrl).host} into ${dir}`);
  try {
    const result = await downloadModel({ name, sha1, dir, baseUrl, onProgress: progressPrinter(process.stdout) });
    console.log(
      result.existed
        ? `${result.path} is already there (SHA-1 verified).`
        : `Saved ${result.path} (${formatMiB(result.bytes)}, SHA-1 verified${result.resumedFrom > 0 ? `, resumed at ${formatMiB(result.resumedFrom)}` : ""}).`,
    );
    console.log(`Use it: TRANSCRIBER=whisper (or auto) WHISPER_MODEL_PATH=${result.path}`);
    return 0;
  } catch (error) {
    if (process.stdout.isTTY) process.stdout.write("\n");
    console.error(`model:download: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
