import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUE_BOARD_PATH } from "../../lib/queue-board";
import { createStaff, type StaffMember, waitForDashboard } from "../dashboard/staff";
import { captionFile, download } from "../support/api-client";
import { type Container, makeContainerVideo } from "../support/make-media";
import { probeStreams } from "../support/media-checks";
import { freePort, type Stack, startStack } from "../support/stack";

// Uploads that try to make ffmpeg read something other than their own bytes: a playlist or list whose
// entries are files on the worker's disk, URLs, or protocol names. Each must fail with INVALID_MEDIA
// and write nothing — the worker's files must never come back as a job's output. Ordinary containers
// must still caption.

let stack: Stack;
let dir: string;
/** A real video on the worker's disk that an attacker would like to read. */
let secret: string;
let httpServer: Server;
let httpUrl: string;
const httpRequests: string[] = [];
/** Ids of the refused jobs, for the queue board check. */
const refusedJobIds: string[] = [];
let ops: StaffMember;

beforeAll(async () => {
  stack = await startStack({ dashboard: true, workerEnv: { TRANSCRIBER: "pocketsphinx" } });
  await waitForDashboard(stack);
  ops = await createStaff(stack, "ops");
  dir = await mkdtemp(path.join(tmpdir(), "captioner-media-inputs-"));
  secret = (await makeContainerVideo("ts", { out: path.join(dir, "secret.ts"), width: 160, height: 120, fps: 10 }))
    .path;
  const secretBytes = await readFile(secret);
  // Stands in for any address the worker can reach (an internal service, a metadata endpoint).
  httpServer = createServer((req, res) => {
    httpRequests.push(req.url ?? "");
    res.writeHead(200, { "content-type": "video/mp2t" }).end(secretBytes);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  httpUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => httpServer?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const playlist = (segment: string) =>
  `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:3.0,\n${segment}\n#EXT-X-ENDLIST\n`;

const refused = [
  { name: "an HLS playlist named .mp4 whose segment is a file on the worker's disk", body: () => playlist(secret) },
  {
    name: "an ffconcat list naming a file on the worker's disk",
    body: () => `ffconcat version 1.0\nfile '${secret}'\n`,
  },
  {
    name: "an m3u8 whose segment is an http://127.0.0.1 URL",
    body: () => playlist(`${httpUrl}/segment.ts`),
  },
  {
    name: "an HLS playlist whose segment is a concat: protocol name",
    body: () => playlist(`concat:${secret}|${secret}`),
  },
];

describe("uploads that point at other files or addresses", () => {
  it.each(refused)("$name → INVALID_MEDIA, nothing rendered", async ({ name, body }) => {
    const upload = path.join(dir, `${name.replace(/\W+/g, "-").slice(0, 40)}.mp4`);
    await writeFile(upload, body());
    const job = await captionFile(stack.baseUrl, upload, { timeoutMs: 60_000 });
    refusedJobIds.push(job.id);
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("INVALID_MEDIA");
    expect(job.error?.message).toMatch(/Playlists and files that point to other files/);
    expect(job.result).toBeNull();
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.attempts).toBe(1);
    expect(row.outputVideoKey).toBeNull();
    expect((row.errorDetail as { stage?: string }).stage).toBe("probing");
    expect(await renderedObjects()).toEqual([]);
  });

  it("never asked the http server for the playlist's segment", () => {
    expect(httpRequests).toEqual([]);
  });

  it("ops see why on the queue board, without stack traces or server paths", async () => {
    expect(refusedJobIds.length).toBe(refused.length);
    for (const id of refusedJobIds) {
      const res = await fetch(`${stack.baseUrl}${QUEUE_BOARD_PATH}/api/queues/captions/${id}`, {
        headers: { cookie: ops.cookie },
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      const { job } = JSON.parse(text) as { job: { failedReason: string; stacktrace: string[] } };
      expect(job.failedReason).toMatch(/^INVALID_MEDIA: Playlists and files that point to other files/);
      expect(job.stacktrace).toEqual([]);
      expect(text).not.toMatch(/\bat .*\(|\/worker\/|\/tmp\/|captioner-job-/);
    }
  });
});

const containers: { container: Container; contentType: string }[] = [
  { container: "mp4", contentType: "video/mp4" },
  { container: "mov", contentType: "video/quicktime" },
  { container: "mkv", contentType: "video/x-matroska" },
  { container: "webm", contentType: "video/webm" },
  { container: "avi", contentType: "video/x-msvideo" },
  { container: "ts", contentType: "video/mp2t" },
  { container: "flv", contentType: "video/x-flv" },
  { container: "ogv", contentType: "video/ogg" },
];

describe("ordinary video containers still caption", () => {
  it.each(containers)("$container → completed with a playable MP4", async ({ container, contentType }) => {
    const clip = await makeContainerVideo(container, { width: 160, height: 120, fps: 10, durationSec: 2 });
    const job = await captionFile(stack.baseUrl, clip.path, { contentType, timeoutMs: 90_000 });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    const video = path.join(dir, `${job.id}.mp4`);
    await writeFile(video, await download(job.result?.videoUrl ?? ""));
    const probe = await probeStreams(video);
    expect(probe.streams.some((s) => s.type === "video")).toBe(true);
    expect(Math.abs(probe.durationSec - clip.durationSec)).toBeLessThanOrEqual(0.2);
  });
});

/** Every object under rendered/ in the stack's local storage. */
async function renderedObjects(): Promise<string[]> {
  const rendered = path.join(stack.dataDir, "objects", "rendered");
  return existsSync(rendered) ? readdir(rendered) : [];
}
