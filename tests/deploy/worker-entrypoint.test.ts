import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type ManagedProcess, startProcess, waitFor } from "../support/stack";

// docker/worker-entrypoint.sh is the worker image's entrypoint (under tini). Two things matter to an
// operator: `docker stop` must reach node's graceful shutdown (so the script must exec, not wrap), and an
// image built with WHISPER_MODEL must start its whisper-server and send transcriptions to it.
// whisper.cpp cannot be built here (no model downloads), so the second case runs the script against a
// stand-in executable that records its arguments and answers HTTP on the port it is given.

const ROOT = path.resolve(import.meta.dirname, "../..");
const ENTRYPOINT = path.join(ROOT, "docker/worker-entrypoint.sh");

let scratch: string;
const started: ManagedProcess[] = [];
const standInPids: number[] = [];

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "captioner-entrypoint-"));
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop(10_000)));
  for (const pid of standInPids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

function workerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    // The worker connects to Postgres only when it runs a job; none is queued under this prefix.
    DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/captioner_entrypoint_unused",
    REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    QUEUE_PREFIX: `test-${randomBytes(4).toString("hex")}`,
    DATA_DIR: path.join(scratch, "data"),
    STORAGE_SIGNING_SECRET: randomBytes(24).toString("base64url"),
    WORKER_TMP_DIR: path.join(scratch, "work"),
    WORKER_HEALTH_PORT: "0",
    // Where the image keeps the optional whisper-server; nothing there unless a test puts it there.
    WHISPER_DIR: path.join(scratch, "no-whisper"),
    ...extra,
  };
}

async function startThroughEntrypoint(env: NodeJS.ProcessEnv): Promise<ManagedProcess> {
  const worker = startProcess("worker", "/bin/sh", [ENTRYPOINT, "node", "--import", "tsx", "worker/index.ts"], env);
  started.push(worker);
  await waitFor(async () => worker.output().includes('"msg":"worker ready"') || worker.child.exitCode !== null, {
    timeoutMs: 60_000,
    what: "the worker to start through the entrypoint",
  });
  if (worker.child.exitCode !== null) throw new Error(`the entrypoint exited:\n${worker.output()}`);
  return worker;
}

function readyLine(worker: ManagedProcess): Record<string, unknown> {
  const line = worker
    .output()
    .split("\n")
    .find((l) => l.includes('"msg":"worker ready"'));
  return JSON.parse(line ?? "{}") as Record<string, unknown>;
}

/** A whisper-server look-alike: records argv and its pid, answers every request with 200 on --port. */
function installStandInWhisper(dir: string): string {
  mkdirSync(path.join(dir, "bin"), { recursive: true });
  mkdirSync(path.join(dir, "models"), { recursive: true });
  writeFileSync(path.join(dir, "models", "ggml-base.en.bin"), "");
  const argsFile = path.join(dir, "args.json");
  const bin = path.join(dir, "bin", "whisper-server");
  writeFileSync(
    bin,
    `#!/usr/bin/env node
const args = process.argv.slice(2);
require("node:fs").writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify({ args, pid: process.pid, cwd: process.cwd() }));
const port = Number(args[args.indexOf("--port") + 1]);
require("node:http").createServer((req, res) => res.end("ok")).listen(port, "127.0.0.1");
`,
  );
  chmodSync(bin, 0o755);
  return argsFile;
}

describe("docker/worker-entrypoint.sh", () => {
  it("execs the worker, so SIGTERM to the container's process reaches the graceful shutdown", async () => {
    const worker = await startThroughEntrypoint(workerEnv({ TRANSCRIBER: "pocketsphinx" }));
    const pid = worker.child.pid ?? 0;
    // The script replaced itself: the process Docker signals is node running the worker.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    expect(cmdline).toContain("worker/index.ts");
    expect(cmdline).not.toContain("worker-entrypoint.sh");
    expect(readyLine(worker).transcriber).toBe("pocketsphinx");

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('"msg":"worker stopped"');
  });

  it("starts a bundled whisper-server on loopback and points the worker's openai backend at it", async () => {
    const whisperDir = path.join(scratch, "whisper");
    const argsFile = installStandInWhisper(whisperDir);
    const port = await freePort();
    const worker = await startThroughEntrypoint(
      workerEnv({ WHISPER_DIR: whisperDir, WHISPER_PORT: String(port), WHISPER_THREADS: "3", TRANSCRIBER: "auto" }),
    );
    const recorded = JSON.parse(await readFile(argsFile, "utf8")) as { args: string[]; pid: number; cwd: string };
    standInPids.push(recorded.pid);

    expect(recorded.args.join(" ")).toBe(
      `--host 127.0.0.1 --port ${port} --model ${path.join(whisperDir, "models", "ggml-base.en.bin")} --threads 3 ` +
        "--inference-path /v1/audio/transcriptions --convert",
    );
    // --convert writes temp files in the server's working dir: not the (read-only) app dir.
    expect(recorded.cwd).toBe("/tmp");
    expect(readyLine(worker).transcriber).toBe("openai");
    const entrypointLines = worker
      .output()
      .split("\n")
      .filter((l) => l.includes('"name":"worker-entrypoint"'))
      .map((l) => JSON.parse(l) as { msg: string });
    expect(entrypointLines.map((l) => l.msg)).toEqual([
      `starting whisper-server with ggml-base.en.bin on 127.0.0.1:${port}`,
      "whisper-server is ready; the worker transcribes through it",
    ]);

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  });

  it("leaves the bundled whisper-server off with WHISPER_SERVER=off", async () => {
    const whisperDir = path.join(scratch, "whisper-off");
    const argsFile = installStandInWhisper(whisperDir);
    const worker = await startThroughEntrypoint(
      workerEnv({ WHISPER_DIR: whisperDir, WHISPER_SERVER: "off", TRANSCRIBER: "pocketsphinx" }),
    );
    expect(readyLine(worker).transcriber).toBe("pocketsphinx");
    await expect(readFile(argsFile, "utf8")).rejects.toThrow();
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
  });
});

describe("the worker's /healthz (the container healthcheck)", () => {
  it("reports a frozen event loop once, then recovers", async () => {
    const port = await freePort();
    const worker = await startThroughEntrypoint(
      workerEnv({ TRANSCRIBER: "pocketsphinx", WORKER_HEALTH_PORT: String(port) }),
    );
    const healthz = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
      return { status: res.status, body: (await res.json()) as { eventLoop: { ok: boolean; lagMs: number } } };
    };
    expect((await healthz()).status).toBe(200);
    // What the compose healthcheck runs (the images have no curl).
    expect(httpCheck(`http://127.0.0.1:${port}/healthz`).status).toBe(0);

    // A process that cannot run for 7 s (CPU starvation, a long GC, a blocking call) cannot renew job locks.
    const pid = worker.child.pid ?? 0;
    process.kill(pid, "SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    process.kill(pid, "SIGCONT");

    const frozen = await healthz();
    expect(frozen.status).toBe(503);
    expect(frozen.body.eventLoop.ok).toBe(false);
    expect(frozen.body.eventLoop.lagMs).toBeGreaterThanOrEqual(5_000);
    const after = await healthz();
    expect(after.status).toBe(200);
    expect(after.body.eventLoop.lagMs).toBeLessThan(1_000);

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    const gone = httpCheck(`http://127.0.0.1:${port}/healthz`);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain("not ready (ECONNREFUSED)");
  });
});

function httpCheck(url: string) {
  return spawnSync(process.execPath, [path.join(ROOT, "docker/http-check.mjs"), url], { encoding: "utf8" });
}
