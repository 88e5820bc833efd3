import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/api-keys/api-keys";
import { makeSpeechVideo } from "../support/make-media";
import { runCli } from "../support/run-cli";
import { type Stack, startStack } from "../support/stack";

// `npm run caption` against a server that requires an API key (PUBLIC_SUBMISSIONS=key): without one it
// stops with the server's code and a hint; with CAPTIONER_API_KEY (or --api-key) it captions the video, and
// the job is recorded as submitted with that key.

let stack: Stack;
let workDir: string;

beforeAll(async () => {
  [stack, workDir] = await Promise.all([
    startStack({ env: { PUBLIC_SUBMISSIONS: "key" }, workerEnv: { TRANSCRIBER: "pocketsphinx" } }),
    mkdtemp(path.join(tmpdir(), "captioner-cli-key-")),
  ]);
});

afterAll(async () => {
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("npm run caption with an API key", () => {
  it("is refused without a key or with a wrong one, and captions with CAPTIONER_API_KEY", async () => {
    const clip = await makeSpeechVideo({
      script: "Please check the captions on this short clip before lunch.",
      out: path.join(workDir, "in", "clip.mp4"),
    });
    const outDir = path.join(workDir, "results");

    const anonymous = await runCli([clip.path, "--url", stack.baseUrl, "--out", outDir]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain("API_KEY_REQUIRED");
    expect(anonymous.stderr).toContain("CAPTIONER_API_KEY or --api-key");

    const wrong = await runCli([clip.path, "--url", stack.baseUrl, "--out", outDir, "--api-key", "cap_not-a-key"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("INVALID_API_KEY");
    expect(await stack.db.job.count()).toBe(0);

    const key = await createApiKey(stack.db, { name: "cli test" });
    const run = await runCli([clip.path, "--url", stack.baseUrl, "--out", outDir], {
      env: { CAPTIONER_API_KEY: key.key },
    });
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(outDir)).sort()).toEqual(["clip.captioned.mp4", "clip.captioned.srt", "clip.captioned.vtt"]);
    // The key never shows in what the CLI prints.
    expect(run.stderr + run.stdout).not.toContain(key.key);
    const jobs = await stack.db.job.findMany({ select: { apiKeyId: true, status: true } });
    expect(jobs).toEqual([{ apiKeyId: key.id, status: "completed" }]);
    const row = await stack.db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.lastUsedAt).not.toBeNull();
  });
});
