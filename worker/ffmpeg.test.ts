import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import ffmpeg from "fluent-ffmpeg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobError } from "../lib/error-codes";
import { makeSilentVideo, makeTextFileAsMp4, makeTruncatedMp4 } from "../tests/support/make-media";
import { looksLikeBrokenInput, parseTimemark, runFfmpeg } from "./ffmpeg";
import { ffmpegOnMedia } from "./media-input";
import { filterPath, renderMode } from "./stages/render";

describe("parseTimemark", () => {
  it.each([
    ["00:00:05.50", 5.5],
    ["01:02:03.25", 3723.25],
    ["garbage", Number.NaN],
  ])("%s → %s", (input, expected) => {
    expect(parseTimemark(input)).toBe(expected);
  });
});

describe("looksLikeBrokenInput", () => {
  it.each([
    ["[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55] stream 0, offset 0x3a2f: partial file", true],
    ["input.mp4: Invalid data found when processing input", true],
    ["[mov,mp4 @ 0x1] moov atom not found", true],
    ["frame=  100 fps= 50 q=28.0 size=     256kB time=00:00:04.00", false],
  ])("%s → %s", (line, expected) => {
    expect(looksLikeBrokenInput(line)).toBe(expected);
  });
});

describe("renderMode", () => {
  const media = {
    durationSec: 5,
    hasVideo: true,
    hasAudio: true,
    width: 320,
    height: 240,
    videoCodec: "h264",
    audioCodec: "aac",
    formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    demuxer: "mov",
    audioTracks: [{ index: 0, codec: "aac", isDefault: true, language: null, channels: 1 }],
  };
  it.each([
    { srtFile: "/tmp/c.srt", burnIn: true, media, expected: "burn-in" },
    { srtFile: "/tmp/c.srt", burnIn: false, media, expected: "soft-subtitles" },
    { srtFile: null, burnIn: true, media, expected: "copy" },
    {
      srtFile: "/tmp/c.srt",
      burnIn: false,
      media: { ...media, videoCodec: "theora" },
      expected: "re-encode-soft-subtitles",
    },
    { srtFile: null, burnIn: false, media: { ...media, videoCodec: "vp8" }, expected: "re-encode" },
    // Audio MP4 cannot carry is transcoded on its own: the picture is still copied.
    { srtFile: null, burnIn: true, media: { ...media, audioCodec: "vorbis" }, expected: "copy" },
  ])("$expected", ({ expected, ...input }) => {
    expect(renderMode(input)).toBe(expected);
  });
});

describe("filterPath", () => {
  it("accepts our temp paths and refuses characters the filter syntax would read", () => {
    expect(filterPath("/tmp/captioner-job-AbC_1/captions.srt")).toBe("/tmp/captioner-job-AbC_1/captions.srt");
    expect(() => filterPath("/tmp/a:b,c'd.srt")).toThrow(/unsafe/);
  });
});

// runFfmpeg against real ffmpeg: fluent-ffmpeg builds the command, the one subprocess runner runs it.
describe("runFfmpeg", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "captioner-ffmpeg-test-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Pids of running ffmpegs whose command line mentions `marker` (our output path). */
  function ffmpegPids(marker: string): Promise<number[]> {
    return new Promise((resolve, reject) =>
      execFile("ps", ["-eo", "pid=,args="], (error, stdout) => {
        if (error) return reject(error);
        const lines = stdout.split("\n").filter((l) => l.includes(marker) && /\bffmpeg\b/.test(l));
        resolve(lines.map((l) => Number.parseInt(l.trim(), 10)));
      }),
    );
  }

  /** A test pattern read at real speed (`-re`): ffmpeg runs for `seconds` of wall time. */
  function slowEncode(output: string, seconds: number) {
    return ffmpeg()
      .input(`testsrc=size=160x120:rate=10:duration=${seconds}`)
      .inputOptions(["-hide_banner", "-re", "-f", "lavfi"])
      .outputOptions(["-c:v", "libx264", "-preset", "ultrafast"])
      .format("mp4")
      .output(output);
  }

  it("encodes a real file, reporting progress that rises to ~1 from ffmpeg's stats lines", async () => {
    const source = await makeSilentVideo({ durationSec: 3 });
    const output = path.join(dir, "progress.mp4");
    const fractions: number[] = [];
    const command = ffmpegOnMedia({ file: source.path, demuxer: "mov" })
      .inputOptions(["-re"])
      .outputOptions(["-map", "0:v:0", "-c:v", "libx264", "-preset", "ultrafast", "-an"])
      .format("mp4")
      .output(output);
    const { stderrTail } = await runFfmpeg(command, {
      stage: "rendering",
      timeoutMs: 30_000,
      signal: new AbortController().signal,
      durationSec: source.durationSec,
      onProgress: (fraction) => fractions.push(fraction),
      failureCode: "RENDER_FAILED",
    });
    expect((await stat(output)).size).toBeGreaterThan(1_000);
    expect(stderrTail).toMatch(/time=/);
    // Several stats lines (-re spreads 3 s of input over 3 s), never going back, ending at the whole.
    expect(fractions.length).toBeGreaterThanOrEqual(3);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions[0]).toBeLessThan(0.7);
    expect(fractions.at(-1)).toBeGreaterThan(0.9);
    expect(fractions.at(-1)).toBeLessThan(1.1);
  });

  it("kills ffmpeg at its timeout: TIMEOUT with the stage, the limit and a stderr tail", async () => {
    const output = path.join(dir, "timeout.mp4");
    const started = Date.now();
    const error = await runFfmpeg(slowEncode(output, 60), {
      stage: "rendering",
      // Long enough for ffmpeg to start and print its header on a busy machine, far short of its 60 s.
      timeoutMs: 4_000,
      signal: new AbortController().signal,
      failureCode: "RENDER_FAILED",
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error).toBeInstanceOf(JobError);
    const jobError = error as JobError;
    expect(jobError.code).toBe("TIMEOUT");
    expect(jobError.detail).toMatchObject({ stage: "rendering", timeoutMs: 4_000 });
    expect(jobError.detail.stderrTail).toMatch(/Input #0, lavfi/);
    expect(await ffmpegPids(output)).toEqual([]);
  });

  it("kills ffmpeg on abort and rejects with the signal's reason", async () => {
    const output = path.join(dir, "abort.mp4");
    const controller = new AbortController();
    const run = runFfmpeg(slowEncode(output, 60), {
      stage: "rendering",
      timeoutMs: 60_000,
      signal: controller.signal,
      failureCode: "RENDER_FAILED",
    }).catch((e: unknown) => e);
    // Abort only once ffmpeg really runs, so the kill is what stops it.
    const deadline = Date.now() + 10_000;
    while ((await ffmpegPids(output)).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await ffmpegPids(output)).toHaveLength(1);
    const reason = new Error("canceled by the test");
    controller.abort(reason);
    expect(await run).toBe(reason);
    expect(await ffmpegPids(output)).toEqual([]);
  });

  it("rejects at once, starting nothing, when the signal is already aborted", async () => {
    const output = path.join(dir, "pre-aborted.mp4");
    const reason = new Error("already canceled");
    const error = await runFfmpeg(slowEncode(output, 60), {
      stage: "rendering",
      timeoutMs: 60_000,
      signal: AbortSignal.abort(reason),
      failureCode: "RENDER_FAILED",
    }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    await expect(stat(output)).rejects.toThrow(/ENOENT/);
  });

  it("maps a file that is no video to INVALID_MEDIA whatever the stage's failure code", async () => {
    const text = await makeTextFileAsMp4();
    const error = await runFfmpeg(
      ffmpegOnMedia({ file: text.path, demuxer: "mov" }).format("mp4").output(path.join(dir, "text.mp4")),
      { stage: "rendering", timeoutMs: 30_000, signal: new AbortController().signal, failureCode: "RENDER_FAILED" },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect((error as JobError).code).toBe("INVALID_MEDIA");
    expect((error as JobError).detail).toMatchObject({ stage: "rendering" });
    expect((error as JobError).detail.stderrTail).toMatch(/moov atom not found|Invalid data found/);
  });

  it("fails a truncated input with strictInput even though ffmpeg exits 0, and names a generic failure by the stage's code", async () => {
    const truncated = await makeTruncatedMp4();
    const extract = () =>
      ffmpegOnMedia({ file: truncated.path, demuxer: "mov" })
        .noVideo()
        .audioCodec("pcm_s16le")
        .format("wav")
        .output(path.join(dir, "truncated.wav"));
    const options = { stage: "extracting_audio", timeoutMs: 30_000, signal: new AbortController().signal };
    const strict = await runFfmpeg(extract(), { ...options, failureCode: "INVALID_MEDIA", strictInput: true }).catch(
      (e: unknown) => e,
    );
    expect(strict).toBeInstanceOf(JobError);
    expect((strict as JobError).code).toBe("INVALID_MEDIA");
    expect((strict as JobError).detail.stderrTail).toMatch(
      /partial file|Invalid data|error while decoding|Packet corrupt/i,
    );
    // Without strictInput the same run succeeds: the lines are there, but the caller accepts them.
    await expect(runFfmpeg(extract(), { ...options, failureCode: "INVALID_MEDIA" })).resolves.toMatchObject({
      stderrTail: expect.stringMatching(/partial file|Invalid data|error while decoding|Packet corrupt/i),
    });
    // A failure that is not about the input takes the stage's code: here, an encoder ffmpeg does not have.
    const unknown = await runFfmpeg(
      ffmpegOnMedia({ file: (await makeSilentVideo({ durationSec: 3 })).path, demuxer: "mov" })
        .outputOptions(["-c:v", "no-such-encoder"])
        .format("mp4")
        .output(path.join(dir, "unknown.mp4")),
      { ...options, stage: "rendering", failureCode: "RENDER_FAILED" },
    ).catch((e: unknown) => e);
    expect((unknown as JobError).code).toBe("RENDER_FAILED");
    expect((unknown as JobError).detail.stderrTail).toMatch(/Unknown encoder 'no-such-encoder'/);
  });

  it("starts the ffmpeg FFMPEG_PATH names when that file exists, else the one on PATH", async () => {
    const marker = path.join(dir, "wrapper-used");
    const wrapper = path.join(dir, "ffmpeg-wrapper");
    await writeFile(wrapper, `#!/bin/sh\necho used > '${marker}'\nexec ffmpeg "$@"\n`);
    await chmod(wrapper, 0o755);
    const source = await makeSilentVideo({ durationSec: 3 });
    const copy = (name: string) =>
      ffmpegOnMedia({ file: source.path, demuxer: "mov" })
        .outputOptions(["-c", "copy"])
        .format("mp4")
        .output(path.join(dir, name));
    const options = { stage: "rendering", timeoutMs: 30_000, signal: new AbortController().signal } as const;
    const saved = process.env.FFMPEG_PATH;
    try {
      process.env.FFMPEG_PATH = wrapper;
      await runFfmpeg(copy("wrapped.mp4"), { ...options, failureCode: "RENDER_FAILED" });
      expect(await readFile(marker, "utf8")).toBe("used\n");
      await rm(marker);
      process.env.FFMPEG_PATH = path.join(dir, "no-such-ffmpeg");
      await runFfmpeg(copy("on-path.mp4"), { ...options, failureCode: "RENDER_FAILED" });
      expect((await stat(path.join(dir, "on-path.mp4"))).size).toBeGreaterThan(1_000);
      await expect(stat(marker)).rejects.toThrow(/ENOENT/);
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });
});
