import { createReadStream, existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSrt } from "../../lib/captions";
import { LocalStorage } from "../../lib/storage";
import { showServerLogOnFailure } from "../api/api-http";
import { hashStream } from "../storage/seeded-bytes";
import { fileSize, makeBulkySpeechVideo } from "../support/make-media";
import { runCli } from "../support/run-cli";
import { type Stack, startStack } from "../support/stack";
import { startThrottleProxy, type ThrottleProxy } from "../support/throttle-proxy";
import { wordErrorRate } from "../support/wer";

// `npm run caption` with a file above MULTIPART_THRESHOLD: it goes up in parts through a slow loopback link
// (a throttling proxy in front of the app, which also counts the bytes it received), the CLI is killed
// mid-upload like a crashed laptop, and the same command run again resumes from the state file beside the
// video instead of starting from zero.

const MiB = 1024 * 1024;
const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer.";

let stack: Stack;
let proxy: ThrottleProxy;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "captioner-cli-resume-"));
  // 2 MB/s per connection: ~5 s for the ~40 MB video with 4 parts in flight, time enough to kill the CLI.
  proxy = await startThrottleProxy({ bytesPerSec: 2 * 1000 * 1000 });
  stack = await startStack({
    env: { APP_URL: proxy.url, MULTIPART_THRESHOLD: String(4 * MiB), MULTIPART_PART_SIZE: String(MiB) },
    workerEnv: { TRANSCRIBER: "pocketsphinx" },
  });
  proxy.setTarget(Number(new URL(stack.baseUrl).port));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});
showServerLogOnFailure(() => stack?.app.output());

describe("npm run caption, a large file", () => {
  it("goes up in parts, survives being killed mid-upload, and the next run resumes from the state file", async () => {
    const video = await makeBulkySpeechVideo({ script: SCRIPT, out: path.join(workDir, "in", "all hands.mp4") });
    const size = await fileSize(video.path);
    const stateFile = `${video.path}.upload.json`;
    const outDir = path.join(workDir, "out");
    const args = [video.path, "--url", proxy.url, "--out", outDir, "--soft", "--language", "en"];

    // SIGKILL: no chance to clean up, like a crash or a laptop lid closing.
    const crashed = await runCli(args, {
      timeoutMs: 240_000,
      onStderr: (stderr, kill) => {
        if (/Uploading .*\b(2[5-9]|[3-9]\d)%/.test(stderr)) kill("SIGKILL");
      },
    });
    expect(crashed.signal, crashed.stderr).toBe("SIGKILL");
    expect(existsSync(stateFile)).toBe(true);
    const state = JSON.parse(await readFile(stateFile, "utf8")) as { statusUrl: string; uploadId: string };
    const stored = (await (await fetch(state.statusUrl)).json()) as {
      partCount: number;
      uploadedParts: unknown[];
    };
    expect(stored.uploadedParts.length).toBeGreaterThan(0);
    expect(stored.uploadedParts.length).toBeLessThan(stored.partCount);

    proxy.resetCount();
    const resumed = await runCli(args, { timeoutMs: 240_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const resumedWith = Number(/Resuming the earlier upload: (\d+) of/.exec(resumed.stderr)?.[1]);
    // A part whose last bytes were already on their way when the CLI died may land just after the check above.
    expect(resumedWith).toBeGreaterThanOrEqual(stored.uploadedParts.length);
    const sentAgain = proxy.bytesFromClients();
    console.log(
      `[cli-resume] ${(size / 1e6).toFixed(1)} MB file: killed with ${stored.uploadedParts.length}/${stored.partCount} parts stored; the second run sent ${(sentAgain / 1e6).toFixed(1)} MB`,
    );
    expect(sentAgain).toBeLessThan(size - stored.uploadedParts.length * MiB + MiB * 5);
    // Done: the state file is gone, the stored video is the file byte for byte, the results are there.
    expect(existsSync(stateFile)).toBe(false);
    const job = await stack.db.job.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    const storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
    expect((await hashStream(await storage.getStream(job.inputKey))).sha256).toBe(
      (await hashStream(createReadStream(video.path))).sha256,
    );
    const srt = await readFile(path.join(outDir, "all hands.captioned.srt"), "utf8");
    const heard = parseSrt(srt)
      .flatMap((cue) => cue.lines)
      .join(" ");
    expect(wordErrorRate(SCRIPT, heard), heard).toBeLessThanOrEqual(0.15);
  }, 300_000);
});
