import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStorage } from "../../lib/storage";
import { download, getJob, uploadFile, waitForJob } from "../support/api-client";
import { makeShortPictureSpeechVideo, makeSpeechVideo, runTool } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";

// The worker captures one frame of every rendered video as the job's thumbnail (console rows, job page,
// the public `thumbnailUrl`), beside the outputs under the same stem; a capture that fails never fails the
// job. Real worker, real ffmpeg, real storage: the checks read what a user would get.

// ~10 s of speech: the clip the capture's cost is reported on.
const SCRIPT =
  "The thumbnail shows a frame of the finished video. It is taken while a caption is on screen, so the console shows what viewers will see, words included.";

let stack: Stack;
let storage: LocalStorage;
let scratch: string;

beforeAll(async () => {
  stack = await startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx" } });
  storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
  scratch = await mkdtemp(path.join(tmpdir(), "captioner-thumb-test-"));
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function submit(file: string, burnIn: boolean): Promise<{ id: string; manageToken: string }> {
  const key = await uploadFile(stack.baseUrl, file);
  const res = await fetch(`${stack.baseUrl}/api/video/process`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key, burnIn }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; manageToken: string };
}

/** What ffprobe reads in a stored object: codec and size of its one picture. */
async function probeStoredImage(key: string): Promise<{ codec_name: string; width: number; height: number }> {
  const file = path.join(scratch, path.basename(key));
  await storage.downloadToFile(key, file);
  const { stdout } = await runTool(
    "ffprobe",
    ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "json", file],
    30_000,
  );
  const streams = JSON.parse(stdout).streams as { codec_name: string; width: number; height: number }[];
  expect(streams).toHaveLength(1);
  return streams[0] as { codec_name: string; width: number; height: number };
}

describe("thumbnails", () => {
  let jobId: string;
  let manageToken: string;
  let firstKey: string;

  it("a completed job has a 320 px JPEG beside its outputs, with the same stem, also at result.thumbnailUrl", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT, width: 640, height: 360 });
    ({ id: jobId, manageToken } = await submit(clip.path, true));
    const job = await waitForJob(stack.baseUrl, jobId, { timeoutMs: 180_000 });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");

    const row = await stack.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.thumbnailKey).toBe(row.outputVideoKey?.replace(/\.mp4$/, ".jpg"));
    firstKey = row.thumbnailKey ?? "";
    expect(await probeStoredImage(firstKey)).toEqual({ codec_name: "mjpeg", width: 320, height: 180 });
    const size = (await storage.head(firstKey))?.size ?? 0;
    expect(size).toBeGreaterThan(1_000);
    expect(size).toBeLessThan(40_000);

    // The public job carries a download URL for it, like the other outputs.
    const bytes = await download(job.result?.thumbnailUrl ?? "");
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(bytes.length).toBe(size);

    // Taken during a caption (the first after 10% in), and its cost is on record.
    const completed = await stack.db.jobEvent.findFirstOrThrow({ where: { jobId, type: "completed" } });
    const data = completed.data as {
      thumbnail: { atSec: number; captureMs: number };
      timings: { phase: string; durationMs: number }[];
    };
    const cues = (await stack.db.jobCaptionVersion.findFirstOrThrow({ where: { jobId, version: 1 } })).cues as {
      start: number;
      end: number;
    }[];
    const tenth = (row.durationSec ?? 0) * 0.1;
    const cue = cues.find((c) => c.end > tenth);
    expect(cue).toBeDefined();
    expect(data.thumbnail.atSec).toBeGreaterThanOrEqual(Math.max(cue?.start ?? 0, tenth));
    expect(data.thumbnail.atSec).toBeLessThanOrEqual(cue?.end ?? 0);
    const rendering = data.timings.find((t) => t.phase === "rendering")?.durationMs;
    console.log(
      `[thumbnail] ${row.durationSec?.toFixed(1)} s clip: capture ${data.thumbnail.captureMs} ms of a ${rendering} ms rendering stage, ${size} bytes`,
    );
  });

  it("an edit that re-renders gets a fresh thumbnail; the row points at the latest, version 1 keeps its own", async () => {
    const captions = (await (await fetch(`${stack.baseUrl}/api/video/job/${jobId}/captions`)).json()) as {
      version: number;
      cues: { start: number; end: number; text: string }[];
    };
    const cues = captions.cues.map((cue, index) => (index === 0 ? { ...cue, text: "Edited first line" } : cue));
    const res = await fetch(`${stack.baseUrl}/api/video/job/${jobId}/captions`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${manageToken}` },
      body: JSON.stringify({ version: captions.version, cues }),
    });
    expect(res.status).toBe(202);
    const job = await waitForJob(stack.baseUrl, jobId, {
      timeoutMs: 180_000,
      until: (j) => j.status === "completed" && j.result?.version === 2,
    });
    expect(job.result?.thumbnailUrl).toBeTruthy();
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.thumbnailKey).not.toBe(firstKey);
    expect(row.thumbnailKey).toBe(row.outputVideoKey?.replace(/\.mp4$/, ".jpg"));
    expect(await probeStoredImage(row.thumbnailKey ?? "")).toMatchObject({ codec_name: "mjpeg", width: 320 });
    const versions = await stack.db.jobCaptionVersion.findMany({ where: { jobId }, orderBy: { version: "asc" } });
    expect(versions.map((v) => v.thumbnailKey)).toEqual([firstKey, row.thumbnailKey]);
    expect(await storage.head(firstKey)).not.toBeNull();
  });

  it("a capture that fails (the picture ends before the speech) completes the job without a thumbnail and says why", async () => {
    // The container lasts as long as the speech, the picture 0.4 s: the frame chosen (during a caption, after
    // 10% in) lies past the last picture, and ffmpeg has nothing to write.
    const clip = await makeShortPictureSpeechVideo({
      script: "The picture stops here, but the talking goes on for a while longer.",
      pictureSec: 0.4,
    });
    const { id } = await submit(clip.path, true);
    const job = await waitForJob(stack.baseUrl, id, { timeoutMs: 180_000 });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    expect(job.result?.thumbnailUrl).toBeNull();
    expect((await download(job.result?.videoUrl ?? "")).length).toBeGreaterThan(0);

    const row = await stack.db.job.findUniqueOrThrow({ where: { id } });
    expect(row.thumbnailKey).toBeNull();
    const note = await stack.db.jobEvent.findFirst({ where: { jobId: id, type: "note", stage: "rendering" } });
    expect(note?.message).toMatch(/^No thumbnail: /);
    expect(note?.data).toMatchObject({ code: "RENDER_FAILED" });
    // Nothing half-made was stored: the outputs and no image.
    expect(await storage.head(row.outputVideoKey?.replace(/\.mp4$/, ".jpg") ?? "")).toBeNull();
    expect((await getJob(stack.baseUrl, id)).status).toBe("completed");
  });
});
