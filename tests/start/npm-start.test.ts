import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { captionFile } from "../support/api-client";
import { createTestDatabase } from "../support/databases";
import { makeSpeechVideo } from "../support/make-media";
import { freePort, waitFor } from "../support/stack";

// `npm start` as a user runs it: one command brings up app, worker and dashboard on embedded defaults
// (local storage under DATA_DIR, generated secrets), an upload through the API comes back captioned, and
// Ctrl-C (SIGINT to the process group) stops everything. Only the database and ports are pinned, so the
// test does not touch a developer's own `captioner` database or port 3000.
const ROOT = path.resolve(import.meta.dirname, "../..");
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe("npm start", () => {
  it("serves the API on embedded defaults, captions an upload, and stops on Ctrl-C", async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const dataDir = await mkdtemp(path.join(tmpdir(), "captioner-start-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const [port, dashboardPort, healthPort] = await Promise.all([freePort(), freePort(), freePort()]);

    const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        DATABASE_URL: database.url,
        PORT: String(port),
        DASHBOARD_PORT: String(dashboardPort),
        WORKER_HEALTH_PORT: String(healthPort),
        DATA_DIR: dataDir,
        QUEUE_PREFIX: `start-${port}`,
        FFMPEG_PRESET: "ultrafast",
        ...(process.env.NEXT_DIST_DIR ? { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR } : {}),
        ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {}),
      },
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
    });

    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => output.includes(`Captioner is running: ${url}`) || child.exitCode !== null, {
      timeoutMs: 150_000,
      what: "npm start to print its URL",
    });
    expect(child.exitCode, output).toBeNull();
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect((await stat(path.join(dataDir, "secrets.json"))).mode & 0o777).toBe(0o600);

    const clip = await makeSpeechVideo({ script: "Captions help everyone follow the story." });
    const job = await captionFile(url, clip.path, { timeoutMs: 90_000 });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    expect((await fetch(job.result?.videoUrl ?? "")).headers.get("content-type")).toBe("video/mp4");

    // Ctrl-C in a terminal signals the whole foreground process group.
    if (!child.pid) throw new Error("no pid");
    process.kill(-child.pid, "SIGINT");
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 30_000))])).toBe(0);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${healthPort}/healthz`)).rejects.toThrow();
  });
});
