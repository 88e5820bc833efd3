import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { newJobId } from "../../lib/ids";
import { LocalStorage, outputKeys } from "../../lib/storage";
import { signParams, toQuery } from "../../lib/storage/local-signature";
import type { PublicJob } from "../../lib/video/job-status";
import { type Stack, startStack } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// GET /api/video/job/[id] against `next start` (no worker). Finished jobs are written straight into the
// database with outputs put through the storage driver: this file checks the API's shape and its download
// URLs; the real pipeline is tested end to end elsewhere.

let stack: Stack;
let storage: LocalStorage;
let secret: string;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  secret = stack.env.STORAGE_SIGNING_SECRET ?? "";
  storage = new LocalStorage(stack.dataDir, secret);
});
afterAll(async () => {
  await stack?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

const PUBLIC_JOB_FIELDS = [
  "createdAt",
  "error",
  "expiresAt",
  "expiry",
  "finishedAt",
  "id",
  "inputDeletedAt",
  "inputExpiresAt",
  "options",
  "phase",
  "progress",
  "queue",
  "result",
  "startedAt",
  "status",
  "updatedAt",
];
const RESULT_FIELDS = [
  "burnIn",
  "durationSec",
  "language",
  "noSpeech",
  "readability",
  "srtUrl",
  "thumbnailUrl",
  "transcriber",
  "version",
  "videoUrl",
  "vttUrl",
];

async function getJob(id: string): Promise<{ res: Response; text: string; job: PublicJob }> {
  const res = await fetch(`${stack.baseUrl}/api/video/job/${id}`);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { res, text, job: JSON.parse(text) as PublicJob };
}

/** Internal things that must never appear in a public job response. */
function expectNothingInternal(text: string) {
  for (const internal of [
    "uploads/",
    "manageToken",
    "inputKey",
    "errorDetail",
    "stderr",
    "stack",
    "at Object.",
    "/work/",
    stack.dataDir,
    secret,
  ]) {
    expect(text).not.toContain(internal);
  }
}

interface Outputs {
  keys: ReturnType<typeof outputKeys>;
  video: Buffer;
  srt: Buffer;
  vtt: Buffer;
  thumbnail: Buffer;
}

/** Puts the output objects through the storage driver, as the worker's upload stage would. */
async function putOutputs(id: string): Promise<Outputs> {
  const keys = outputKeys(id);
  const outputs = {
    keys,
    video: randomBytes(40_000),
    srt: Buffer.from("1\n00:00:00,000 --> 00:00:01,500\nHello there.\n"),
    vtt: Buffer.from("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello there.\n"),
    thumbnail: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3_000)]),
  };
  await storage.putStream(keys.video, Readable.from([outputs.video]), { contentType: "video/mp4" });
  await storage.putStream(keys.srt, Readable.from([outputs.srt]), { contentType: "application/x-subrip" });
  await storage.putStream(keys.vtt, Readable.from([outputs.vtt]), { contentType: "text/vtt" });
  await storage.putStream(keys.thumbnail, Readable.from([outputs.thumbnail]), { contentType: "image/jpeg" });
  return outputs;
}

async function completedJob(options: { burnIn?: boolean; noSpeech?: boolean; thumbnail?: boolean } = {}) {
  const id = newJobId();
  const outputs = await putOutputs(id);
  const started = new Date(Date.now() - 5000);
  await stack.db.job.create({
    data: {
      id,
      status: "completed",
      phase: null,
      progress: 100,
      inputKey: `uploads/${randomBytes(12).toString("base64url")}/holiday.mp4`,
      originalFilename: "holiday.mp4",
      inputSize: 40_000n,
      contentType: "video/mp4",
      options: { burnIn: options.burnIn ?? true },
      detectedLanguage: "en",
      transcriber: { backend: "pocketsphinx", model: "en-us", punctuation: "guessed", wordTiming: "native" },
      durationSec: 6.2,
      noSpeech: options.noSpeech ?? false,
      cueCount: 1,
      outputVideoKey: outputs.keys.video,
      outputSrtKey: outputs.keys.srt,
      outputVttKey: outputs.keys.vtt,
      // Jobs finished before thumbnails (or whose capture failed) have none.
      thumbnailKey: options.thumbnail === false ? null : outputs.keys.thumbnail,
      attempts: 1,
      processingMs: 4200,
      startedAt: started,
      finishedAt: new Date(),
    },
  });
  return { id, outputs };
}

describe("GET /api/video/job/[id]", () => {
  test("a queued job knows its place in line and, once jobs are being processed, when it should start", async () => {
    const submit = async () => {
      const created = await postJson(`${stack.baseUrl}/api/video/process`, { key: await uploadBytes(stack.baseUrl) });
      return ((await created.json()) as { id: string }).id;
    };
    const first = await submit();
    const second = await submit();
    const before = (await getJob(first)).job.queue;
    expect(before).toMatchObject({ estimatedStartSec: null });
    // No job is being processed (no worker here): a place, but no estimate to promise.
    expect((await getJob(second)).job.queue).toEqual({
      position: (before?.position ?? 0) + 1,
      estimatedStartSec: null,
    });

    // One job being processed, and jobs of the last day that took 10 s each: the one ahead of `second`
    // gets the busy slot after ~5 s, `second` after another run: ~15 s.
    await stack.db.job.update({ where: { id: first }, data: { status: "processing", startedAt: new Date() } });
    for (let i = 0; i < 3; i += 1) {
      await stack.db.job.create({
        data: {
          id: newJobId(),
          status: "completed",
          inputKey: "uploads/x/done.mp4",
          processingMs: 10_000,
          finishedAt: new Date(Date.now() - 60_000),
        },
      });
    }
    const queued = await stack.db.job.count({ where: { status: "queued" } });
    const { job } = await getJob(second);
    expect(job.queue?.position).toBe(queued);
    expect(job.queue?.estimatedStartSec).toBe(Math.round(((queued - 1) / 1 + 0.5) * 10));
    // Started jobs are no longer in line.
    expect((await getJob(first)).job.queue).toBeNull();
    await stack.db.job.updateMany({ where: { id: { in: [first, second] } }, data: { status: "canceled" } });
  });

  test("a queued job: every public field, nothing more, and not cacheable", async () => {
    const key = await uploadBytes(stack.baseUrl);
    const created = await postJson(`${stack.baseUrl}/api/video/process`, { key });
    const { id } = (await created.json()) as { id: string };
    const { res, text, job } = await getJob(id);
    expect(Object.keys(job).sort()).toEqual(PUBLIC_JOB_FIELDS);
    expect(job).toMatchObject({
      id,
      status: "queued",
      phase: null,
      progress: 0,
      startedAt: null,
      finishedAt: null,
      error: null,
      result: null,
    });
    expect(Date.parse(job.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(job.updatedAt)).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
    expect(res.headers.get("cache-control")).toContain("no-store");
    expectNothingInternal(text);
  });

  test.each([
    ["an unknown id", newJobId()],
    ["a short id", "job_abc"],
    ["an id one character too long", `${newJobId()}x`],
    ["an id without the prefix", randomBytes(16).toString("base64url")],
    ["an upper-case prefix", newJobId().replace("job_", "JOB_")],
    ["an id with an encoded quote", `job_${"a".repeat(21)}%27`],
    ["an encoded traversal", "..%2F..%2Fhealth"],
  ])("404 JOB_NOT_FOUND for %s", async (_name, id) => {
    await expectApiError(await fetch(`${stack.baseUrl}/api/video/job/${id}`), 404, "JOB_NOT_FOUND");
  });

  test("a completed job: result with working, named download URLs for the video, SRT, VTT and thumbnail", async () => {
    const { id, outputs } = await completedJob();
    const { text, job } = await getJob(id);
    expect(job).toMatchObject({ id, status: "completed", progress: 100, error: null });
    expect(job.startedAt).not.toBeNull();
    expect(job.finishedAt).not.toBeNull();
    expect(Object.keys(job.result ?? {}).sort()).toEqual(RESULT_FIELDS);
    expect(job.result).toMatchObject({
      durationSec: 6.2,
      language: "en",
      burnIn: true,
      noSpeech: false,
      version: 1,
      transcriber: { backend: "pocketsphinx", model: "en-us", punctuation: "guessed", wordTiming: "native" },
    });
    // A row finished without a report (e.g. before reports existed) says so with null.
    expect(job.result?.readability).toBeNull();
    expectNothingInternal(text);

    const downloads: [string, Buffer, string, string][] = [
      [job.result?.videoUrl ?? "", outputs.video, "video/mp4", "holiday.captioned.mp4"],
      [job.result?.srtUrl ?? "", outputs.srt, "application/x-subrip", "holiday.captioned.srt"],
      [job.result?.vttUrl ?? "", outputs.vtt, "text/vtt", "holiday.captioned.vtt"],
      [job.result?.thumbnailUrl ?? "", outputs.thumbnail, "image/jpeg", "holiday.captioned.jpg"],
    ];
    for (const [url, bytes, contentType, filename] of downloads) {
      expect(new URL(url).origin).toBe(stack.baseUrl);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(contentType);
      expect(res.headers.get("content-disposition")).toContain(`filename="${filename}"`);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  test("a soft-subtitle job with no speech says so", async () => {
    const { id } = await completedJob({ burnIn: false, noSpeech: true });
    const { job } = await getJob(id);
    expect(job.result).toMatchObject({ burnIn: false, noSpeech: true });
  });

  test("a job without a thumbnail (finished before them, or its capture failed) has thumbnailUrl null", async () => {
    const { id } = await completedJob({ thumbnail: false });
    const { job } = await getJob(id);
    expect(job.result?.thumbnailUrl).toBeNull();
    expect(job.result?.videoUrl).toBeTruthy();
  });

  test("a failed job shows the code and public message only, never the detail kept for support", async () => {
    const id = newJobId();
    await stack.db.job.create({
      data: {
        id,
        status: "failed",
        inputKey: `uploads/${randomBytes(12).toString("base64url")}/broken.mp4`,
        originalFilename: "broken.mp4",
        errorCode: "INVALID_MEDIA",
        errorMessage: "The file could not be read as a video.",
        errorDetail: {
          stage: "probe",
          stderrTail: "moov atom not found",
          stack: "Error: ffprobe failed\n    at Object.<anonymous> (/work/main/worker/stages/probe.ts:10:5)",
        },
        attempts: 1,
        finishedAt: new Date(),
      },
    });
    const { text, job } = await getJob(id);
    expect(job).toMatchObject({ status: "failed", result: null });
    expect(job.error).toEqual({ code: "INVALID_MEDIA", message: "The file could not be read as a video." });
    expectNothingInternal(text);
    expect(text).not.toContain("moov atom");
  });

  test("a failed job without a stored message falls back to the code's public message", async () => {
    const id = newJobId();
    await stack.db.job.create({
      data: { id, status: "failed", inputKey: "uploads/x/y.mp4", errorCode: "RENDER_FAILED", attempts: 3 },
    });
    const { job } = await getJob(id);
    expect(job.error).toEqual({ code: "RENDER_FAILED", message: "Rendering the captions into the video failed." });
  });
});

describe("download URLs of a completed job (local driver)", () => {
  let videoUrl: string;
  let video: Buffer;

  beforeAll(async () => {
    const { id, outputs } = await completedJob();
    videoUrl = (await getJob(id)).job.result?.videoUrl ?? "";
    video = outputs.video;
  });

  test("a Range request gets 206 with Content-Range and exactly those bytes", async () => {
    const res = await fetch(videoUrl, { headers: { Range: "bytes=100-1099" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 100-1099/${video.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(video.subarray(100, 1100))).toBe(true);
  });

  test("an open-ended and a suffix range work as a video player sends them", async () => {
    const tail = await fetch(videoUrl, { headers: { Range: `bytes=${video.length - 10}-` } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(-10))).toBe(true);
    const suffix = await fetch(videoUrl, { headers: { Range: "bytes=-500" } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get("content-range")).toBe(`bytes ${video.length - 500}-${video.length - 1}/${video.length}`);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(video.subarray(-500))).toBe(true);
  });

  test("a range past the end is 416 with the object's size", async () => {
    const res = await fetch(videoUrl, { headers: { Range: `bytes=${video.length}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe(`bytes */${video.length}`);
  });

  // Next 16 drops Content-Length from route handler responses (send-response.js), so HEAD cannot tell the
  // size; it still tells a player that it may seek.
  test("HEAD answers without a body and advertises byte ranges", async () => {
    const res = await fetch(videoUrl, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  test.each([
    ["a changed signature", (q: URLSearchParams) => q.set("sig", `${q.get("sig")?.slice(0, -1)}A`)],
    ["a changed key", (q: URLSearchParams) => q.set("key", (q.get("key") ?? "").replace(".mp4", ".srt"))],
    ["a changed download name", (q: URLSearchParams) => q.set("name", "other.mp4")],
    ["a later expiry", (q: URLSearchParams) => q.set("exp", String(Number(q.get("exp")) + 3600))],
  ])("403 INVALID_SIGNATURE for %s", async (_name, tamper) => {
    const url = new URL(videoUrl);
    tamper(url.searchParams);
    if (url.toString() === videoUrl) url.searchParams.set("sig", "B".repeat(43));
    await expectApiError(await fetch(url), 403, "INVALID_SIGNATURE");
  });

  test("403 URL_EXPIRED for a correctly signed download URL whose expiry has passed", async () => {
    const key = new URL(videoUrl).searchParams.get("key") ?? "";
    const params = { op: "get" as const, key, exp: Math.floor(Date.now() / 1000) - 1 };
    const url = `${stack.baseUrl}/api/storage/download?${toQuery(params, signParams(secret, params))}`;
    await expectApiError(await fetch(url), 403, "URL_EXPIRED");
  });

  test("an upload URL's signature does not authorise a download", async () => {
    const key = new URL(videoUrl).searchParams.get("key") ?? "";
    const params = { op: "put" as const, key, exp: Math.floor(Date.now() / 1000) + 60 };
    const url = `${stack.baseUrl}/api/storage/download?${toQuery(params, signParams(secret, params))}`;
    await expectApiError(await fetch(url), 403, "INVALID_SIGNATURE");
  });

  test("410 FILE_DELETED once the object is gone (a valid URL whose file was deleted since)", async () => {
    const { id, outputs } = await completedJob();
    const url = (await getJob(id)).job.result?.srtUrl ?? "";
    await storage.delete(outputs.keys.srt);
    await expectApiError(await fetch(url), 410, "FILE_DELETED");
  });
});

// Last in the file: nothing above may have crashed a request handler inside the server.
test("the server logged no uncaught exception", () => {
  expect(stack.app.output()).not.toMatch(/uncaughtException|unhandledRejection/);
});
