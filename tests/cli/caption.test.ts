import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSrt, parseVtt } from "../../lib/captions";
import { makeSpeechVideo, makeTextFileAsMp4 } from "../support/make-media";
import { probeStreams } from "../support/media-checks";
import { runCli } from "../support/run-cli";
import { freePort, type Stack, startStack } from "../support/stack";
import { wordErrorRate } from "../support/wer";

// `npm run caption` against a real stack: the file is streamed to storage through the public API, the
// job is followed to the end and the three results land on disk; failures end with a non-zero exit and
// one line naming what went wrong.

const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer. Please bring your questions to the meeting on Friday.";

let stack: Stack;
let workDir: string;

beforeAll(async () => {
  [stack, workDir] = await Promise.all([
    startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx" } }),
    mkdtemp(path.join(tmpdir(), "captioner-cli-")),
  ]);
});

afterAll(async () => {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("npm run caption", () => {
  it("captions a spoken video: saves the MP4 (with a subtitle track for --soft), SRT and VTT", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT, out: path.join(workDir, "in", "weekly update.mp4") });
    const outDir = path.join(workDir, "results");

    const run = await runCli([clip.path, "--url", stack.baseUrl, "--out", outDir, "--soft", "--language", "en"]);
    console.log(`[cli] captioned ${clip.durationSec.toFixed(1)} s of speech in ${run.ms} ms`);

    expect(run.code, run.stderr).toBe(0);
    const names = ["weekly update.captioned.mp4", "weekly update.captioned.srt", "weekly update.captioned.vtt"];
    expect((await readdir(outDir)).sort()).toEqual(names);
    // stdout lists exactly the saved files, for scripts.
    expect(run.stdout.trim().split("\n")).toEqual(names.map((name) => path.join(outDir, name)));
    // Not a terminal: progress comes as occasional lines on stderr, not a redrawn one.
    expect(run.stderr).toMatch(/^Uploaded .* 100%/m);
    expect(run.stderr).toMatch(/^Processed .* 100%/m);
    expect(run.stderr).not.toContain("\r");
    // One final line per file with what was saved (the first chunk's size once stood there for the video).
    for (const name of names) {
      const size = (await stat(path.join(outDir, name))).size;
      const line = run.stderr.split("\n").find((l) => l.startsWith(`Downloaded  ${name}`));
      expect(line, run.stderr).toBeDefined();
      const [, amount, unit] = /\s([\d.]+) (bytes|KiB|MiB|GiB)$/.exec(line ?? "") ?? [];
      const scale = 1024 ** ["bytes", "KiB", "MiB", "GiB"].indexOf(unit ?? "bytes");
      // Printed to one decimal of its unit.
      expect(Math.abs(Number(amount) * scale - size)).toBeLessThanOrEqual(0.05 * scale + 1);
    }

    const video = await probeStreams(path.join(outDir, names[0] ?? ""));
    expect(video.streams.map((s) => s.type)).toEqual(expect.arrayContaining(["video", "audio", "subtitle"]));
    expect(Math.abs(video.durationSec - clip.durationSec)).toBeLessThan(0.5);

    const srt = await readFile(path.join(outDir, names[1] ?? ""), "utf8");
    const cues = parseSrt(srt);
    expect(cues.length).toBeGreaterThan(1);
    const heard = cues.flatMap((cue) => cue.lines).join(" ");
    expect(wordErrorRate(SCRIPT, heard), heard).toBeLessThan(0.3);
    expect(heard.toLowerCase()).toContain("welcome");

    const vtt = await readFile(path.join(outDir, names[2] ?? ""), "utf8");
    expect(parseVtt(vtt)).toEqual(cues);
    // The input is left alone and no partial download is left behind.
    expect(await readdir(path.dirname(clip.path))).toEqual(["weekly update.mp4"]);
  });

  it("exits non-zero with the job's error code when the worker rejects the file", async () => {
    const fake = await makeTextFileAsMp4({ out: path.join(workDir, "fake", "notes.mp4") });
    const outDir = path.join(workDir, "fake-results", "nested");
    const run = await runCli([fake.path, "--url", stack.baseUrl, "--out", outDir]);

    expect(run.code).toBe(1);
    const lastLine = run.stderr.trim().split("\n").at(-1) ?? "";
    expect(lastLine).toMatch(
      /^caption: job job_[\w-]{22} failed: INVALID_MEDIA — The file could not be read as a video\./,
    );
    expect(run.stdout).toBe("");
    expect(existsSync(path.join(workDir, "fake", "notes.captioned.mp4"))).toBe(false);
    // The folders the CLI made for the results are gone again: a failed job leaves nothing behind.
    expect(existsSync(path.join(workDir, "fake-results"))).toBe(false);
  });

  it("Ctrl-C while the job runs stops following it and says where the job keeps running", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    let interrupted = false;
    const run = await runCli([clip.path, "--url", stack.baseUrl, "--out", path.join(workDir, "interrupted")], {
      onStderr: (soFar, interrupt) => {
        if (!interrupted && soFar.includes(" started: ")) {
          interrupted = true;
          interrupt();
        }
      },
    });

    expect(run.code).toBe(130);
    const jobId = run.stderr.match(/Job (job_[\w-]{22}) started/)?.[1] ?? "";
    expect(run.stderr.trim().split("\n").at(-1)).toBe(
      `caption: stopped following job ${jobId}; it keeps running: ${stack.baseUrl}/jobs/${jobId}`,
    );
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(["queued", "processing", "completed"]).toContain(row.status);
    expect(existsSync(path.join(workDir, "interrupted"))).toBe(false);
  });

  it("exits non-zero with the server's code when the upload itself is refused", async () => {
    const text = path.join(workDir, "readme.txt");
    await writeFile(text, "not a video\n");
    const run = await runCli([text, "--url", stack.baseUrl]);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'caption: upload refused: UNSUPPORTED_MEDIA_TYPE — Only video files can be captioned (got "application/octet-stream").',
    );
  });

  it("refuses a language the server's recogniser lacks before uploading anything (exit 2)", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    const jobsBefore = await stack.db.job.count();
    const run = await runCli([clip.path, "--url", stack.baseUrl, "--language", "fr"]);

    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      "caption: --language fr is not offered by the server's speech recogniser (pocketsphinx, en-us): use auto or one of en.",
    );
    expect(run.stderr).not.toContain("Upload");
    expect(await stack.db.job.count()).toBe(jobsBefore);
  });

  it("says plainly when the server cannot be reached", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli([clip.path, "--url", url, "--out", path.join(workDir, "never")]);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `caption: cannot reach the Captioner server at ${url} (ECONNREFUSED). Is it running? See --url.`,
    );
  });

  it("prints usage for --help and refuses bad arguments with exit code 2", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: npm run caption -- <video> [options]");
    expect(help.stdout).toContain("--soft");

    const bad = await runCli(["video.mp4", "--language", "english"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(
      'caption: --language must be "auto" or a two-letter code such as en (got "english").',
    );
  });
});
