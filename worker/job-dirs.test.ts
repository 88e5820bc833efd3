import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { createJobDir, JOB_DIR_PREFIX, sweepAbandonedJobDirs } from "./job-dirs";

// Real processes: a child node process owns a dir, is SIGKILLed, and the sweep must take only its dir.

let base: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), "captioner-sweep-"));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A child node process that creates a job dir under `base` the way the worker does, then waits. */
async function ownerProcess(): Promise<{ dir: string; kill: () => Promise<void> }> {
  const script = `import { createJobDir } from ${JSON.stringify(path.resolve(import.meta.dirname, "job-dirs.ts"))};
    const dir = await createJobDir(${JSON.stringify(base)}); console.log(dir); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const dir = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`owner exited early (${code})`)));
  });
  return {
    dir,
    kill: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}

describe("sweepAbandonedJobDirs", () => {
  test("removes the dir of a SIGKILLed worker and keeps those of live workers", async () => {
    const dead = await ownerProcess();
    const live = await ownerProcess();
    const mine = await createJobDir(base);
    await writeFile(path.join(dead.dir, "input.mp4"), "half a download");
    await dead.kill();

    expect(await sweepAbandonedJobDirs(base)).toEqual([dead.dir]);
    expect(existsSync(dead.dir)).toBe(false);
    expect(existsSync(live.dir)).toBe(true);
    expect(existsSync(mine)).toBe(true);
    await live.kill();
  });

  test("a reused pid does not keep a dead worker's dir; another host's dirs are left to that host", async () => {
    // A restarted container reuses pids: our pid with another start time is a different (dead) process.
    const reused = await createJobDir(base);
    const owner = JSON.parse(await readFile(path.join(reused, ".owner.json"), "utf8"));
    await writeFile(path.join(reused, ".owner.json"), JSON.stringify({ ...owner, startTicks: "1" }));
    const elsewhere = await createJobDir(base);
    await writeFile(path.join(elsewhere, ".owner.json"), JSON.stringify({ ...owner, host: "another-host", pid: 1 }));

    expect(await sweepAbandonedJobDirs(base)).toEqual([reused]);
    expect(existsSync(elsewhere)).toBe(true);
  });

  test("a dir without an owner record is swept only once it is old; other names are never touched", async () => {
    const fresh = path.join(base, `${JOB_DIR_PREFIX}fresh`);
    const old = path.join(base, `${JOB_DIR_PREFIX}old`);
    const foreign = path.join(base, "someone-elses-dir");
    for (const dir of [fresh, old, foreign]) await mkdir(dir);
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const dir of [old, foreign]) await utimes(dir, hourAgo, hourAgo);

    expect(await sweepAbandonedJobDirs(base)).toEqual([old]);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
    expect(await sweepAbandonedJobDirs(path.join(base, "missing"))).toEqual([]);
  });
});
