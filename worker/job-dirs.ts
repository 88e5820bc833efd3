import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";

// Per-job temp dirs under WORKER_TMP_DIR. A worker that is SIGKILLed (OOM killer, `docker kill`, a crash)
// never runs its cleanup, so each dir carries an owner record and a starting worker sweeps the dirs whose
// owner is dead. Several workers may share one WORKER_TMP_DIR (same host, or a volume shared by containers):
// a dir is removed only when its owner ran on this host (same hostname: in Docker, the same container) and
// that process is gone — a pid alone is not enough, a restarted container reuses pids, so the owner's start
// time is recorded too.

export const JOB_DIR_PREFIX = "captioner-job-";
const OWNER_FILE = ".owner.json";
/** A dir with no owner record was made by a worker killed between mkdtemp and writing it: sweep it once it is this old. */
const UNOWNED_GRACE_MS = 10 * 60_000;

interface Owner {
  host: string;
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks since boot), or null off Linux. */
  startTicks: string | null;
}

function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function currentOwner(): Owner {
  return { host: hostname(), pid: process.pid, startTicks: startTicks(process.pid) };
}

function isAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
  // The pid exists; is it still the same process (not a reused pid)?
  return owner.startTicks === null || startTicks(owner.pid) === owner.startTicks;
}

/** Creates a job's temp dir under `base`, recording this process as its owner. */
export async function createJobDir(base: string): Promise<string> {
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(path.join(base, JOB_DIR_PREFIX));
  await writeFile(path.join(dir, OWNER_FILE), JSON.stringify(currentOwner()));
  return dir;
}

/** Removes job dirs under `base` left by dead workers of this host; returns the dirs removed. */
export async function sweepAbandonedJobDirs(base: string): Promise<string[]> {
  const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(JOB_DIR_PREFIX)) continue;
    const dir = path.join(base, entry.name);
    if (await isAbandoned(dir)) {
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

async function isAbandoned(dir: string): Promise<boolean> {
  let owner: Owner;
  try {
    owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), "utf8")) as Owner;
  } catch {
    const info = await stat(dir).catch(() => null);
    return info !== null && Date.now() - info.mtimeMs > UNOWNED_GRACE_MS;
  }
  if (owner.host !== hostname()) return false; // another machine's (or container's) worker: its own sweep
  return !isAlive(owner);
}
