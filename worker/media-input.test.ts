import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobError } from "../lib/error-codes";
import { makeContainerVideo, makeUndecodableVideo } from "../tests/support/make-media";
import { checkContainer, mediaInputArgs, refusedDemuxer } from "./media-input";
import { probeMedia } from "./stages/probe";

describe("checkContainer", () => {
  it.each([
    ["mov,mp4,m4a,3gp,3g2,mj2", "mov"],
    ["matroska,webm", "matroska"],
    ["mpegts", "mpegts"],
  ])("accepts %s and pins %s", (formatName, demuxer) => {
    expect(checkContainer(formatName)).toEqual({ ok: true, demuxer });
  });

  it.each([
    ["hls", /Playlists and files that point to other files or addresses \(hls\)/],
    ["concat", /Playlists/],
    ["image2", /Playlists/],
    ["png_pipe", /format \(png_pipe\) is not a supported video container/],
    [null, /could not be read as a video/],
  ])("refuses %s", (formatName, message) => {
    const check = checkContainer(formatName);
    expect(check.ok).toBe(false);
    expect(check.ok ? "" : check.message).toMatch(message);
  });
});

describe("mediaInputArgs", () => {
  it("allows the file protocol only and names the input as an absolute file: path", () => {
    const args = mediaInputArgs("concat:a.mp4|b.mp4", "mov");
    expect(args.slice(0, 2)).toEqual(["-protocol_whitelist", "file"]);
    expect(args).toContain("-format_whitelist");
    expect(args.slice(-4)).toEqual(["-f", "mov", "-i", `file:${path.resolve("concat:a.mp4|b.mp4")}`]);
  });
});

describe("refusedDemuxer", () => {
  it("reads the demuxer ffprobe refused", () => {
    expect(refusedDemuxer("[hls @ 0x55d1c2a0] Format not on whitelist 'mov,mp4'\ninput: Invalid argument")).toBe("hls");
    expect(refusedDemuxer("input.mp4: Invalid data found when processing input")).toBeNull();
  });
});

describe("probeMedia with real ffprobe", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "captioner-probe-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const signal = new AbortController().signal;

  it("accepts a real MP4 and pins its demuxer", async () => {
    const clip = await makeContainerVideo("mp4", { width: 160, height: 120, fps: 10, durationSec: 1 });
    const info = await probeMedia(clip.path, { maxDurationSec: 60, signal });
    expect(info.demuxer).toBe("mov");
    expect(info.hasVideo).toBe(true);
  });

  it("refuses a video stream that ffprobe describes but no frame of which decodes", async () => {
    const clip = await makeUndecodableVideo({ width: 160, height: 120, fps: 10, durationSec: 2 });
    const error = await probeMedia(clip.path, { maxDurationSec: 60, signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect((error as JobError).code).toBe("INVALID_MEDIA");
    expect((error as JobError).retryable).toBe(false);
    expect((error as JobError).publicMessage).toBe(
      "The video stream (h264) cannot be decoded: the file may be damaged, or its video format is not supported.",
    );
    expect((error as JobError).detail).toMatchObject({ stage: "probing", check: "decode", videoCodec: "h264" });
    expect(String((error as JobError).detail.stderrTail)).toMatch(/h264/);
  });

  it("decodes a frame of every accepted container's usual codecs", async () => {
    for (const container of ["mkv", "webm", "avi", "ts", "flv", "ogv"] as const) {
      const clip = await makeContainerVideo(container, { width: 160, height: 120, fps: 10, durationSec: 1 });
      const info = await probeMedia(clip.path, { maxDurationSec: 60, signal });
      expect(info.hasVideo, container).toBe(true);
    }
  });

  it("refuses an HLS playlist named .mp4 without reading its segment", async () => {
    const segment = (await makeContainerVideo("ts", { width: 160, height: 120, fps: 10, durationSec: 1 })).path;
    const upload = path.join(dir, "input.mp4");
    await writeFile(upload, `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1.0,\n${segment}\n#EXT-X-ENDLIST\n`);
    const error = await probeMedia(upload, { maxDurationSec: 60, signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect((error as JobError).code).toBe("INVALID_MEDIA");
    expect((error as JobError).publicMessage).toMatch(/Playlists .* \(hls\)/);
    expect((error as JobError).detail.formatName).toBe("hls");
  });
});
