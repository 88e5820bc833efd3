import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A misconfigured worker stops at once with one line naming the problem, instead of failing every job.
const ROOT = path.resolve(import.meta.dirname, "../..");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "captioner-worker-start-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function startWorker(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const valid = () => ({
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/postgres",
  REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  STORAGE_SIGNING_SECRET: "a-local-signing-secret",
  WORKER_HEALTH_PORT: "0",
});

describe("worker start-up checks", () => {
  it("a missing DATABASE_URL stops it with one line naming the variable", async () => {
    const { DATABASE_URL: _, ...env } = valid();
    const { code, output } = await startWorker(env);
    expect(code).toBe(1);
    expect(output.trim()).toBe("captioner: Invalid environment for the worker: DATABASE_URL is missing");
  });

  it("an unusable WORKER_TMP_DIR stops it with one line instead of failing every job", async () => {
    const file = path.join(dir, "not-a-dir");
    await writeFile(file, "");
    const { code, output } = await startWorker({ ...valid(), WORKER_TMP_DIR: path.join(file, "work") });
    expect(code).toBe(1);
    expect(output.trim()).toMatch(/^captioner: WORKER_TMP_DIR is not a writable directory: ENOTDIR/);
  });
});
