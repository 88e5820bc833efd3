import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

// The Docker and Compose command lines, as an operator types them. Compose v2 (`docker compose`) is used
// when the engine has the plugin, else Debian's `docker-compose` 1.29: both read the same files.

export const ROOT = path.resolve(import.meta.dirname, "../..");
const execFileAsync = promisify(execFile);

/** Runs a command; rejects with its stdout/stderr in the message. */
export async function sh(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd ?? ROOT,
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 600_000,
      env: { ...process.env, COMPOSE_INTERACTIVE_NO_CLI: "1" },
    });
    return { stdout, stderr };
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

export async function dockerAnswers(): Promise<boolean> {
  return sh("docker", ["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 20_000 }).then(
    () => true,
    () => false,
  );
}

/** `docker compose` (v2) when present, else `docker-compose` (v1). */
export async function composeCommand(): Promise<string[]> {
  const v2 = await sh("docker", ["compose", "version"], { timeoutMs: 20_000 }).then(
    () => true,
    () => false,
  );
  return v2 ? ["docker", "compose"] : ["docker-compose"];
}

/** Builds one target of docker/Dockerfile under the tag the compose files use; returns the seconds it took. */
export async function buildImage(target: "app" | "worker", tag: string): Promise<number> {
  const started = performance.now();
  await sh("docker", ["build", "-f", "docker/Dockerfile", "--target", target, "-t", tag, "."], {
    timeoutMs: 1_500_000,
  });
  return (performance.now() - started) / 1000;
}

export async function imageBytes(tag: string): Promise<number> {
  const { stdout } = await sh("docker", ["image", "inspect", "-f", "{{.Size}}", tag]);
  return Number(stdout.trim());
}

export const mb = (bytes: number) => Math.round(bytes / 1_000_000);

/** A compose project in a directory of its own: the files copied from the repo plus the operator's env files. */
export class ComposeProject {
  readonly dir: string;

  constructor(
    readonly compose: string[],
    readonly name: string,
    readonly files: string[],
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  }

  /** Copies a file from the repo into the project dir, optionally under another name. */
  copy(fromRepo: string, as = fromRepo): void {
    copyFileSync(path.join(ROOT, fromRepo), path.join(this.dir, as));
  }

  write(name: string, text: string): void {
    writeFileSync(path.join(this.dir, name), text);
  }

  read(name: string): string {
    return readFileSync(path.join(this.dir, name), "utf8");
  }

  run(args: string[], timeoutMs = 300_000) {
    const [command, ...prefix] = this.compose as [string, ...string[]];
    const files = this.files.flatMap((file) => ["-f", file]);
    return sh(command, [...prefix, "-p", this.name, ...files, ...args], { cwd: this.dir, timeoutMs });
  }

  /** Container ids of one service (running or not). */
  async containers(service: string): Promise<string[]> {
    const { stdout } = await sh("docker", [
      "ps",
      "-aq",
      "--filter",
      `label=com.docker.compose.project=${this.name}`,
      "--filter",
      `label=com.docker.compose.service=${service}`,
    ]);
    return stdout.split("\n").filter(Boolean);
  }

  /** What the project still owns on the engine: containers, volumes, networks. */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const [containers, volumes, networks] = await Promise.all([
      sh("docker", ["ps", "-aq", "--filter", label]),
      sh("docker", ["volume", "ls", "-q", "--filter", label]),
      sh("docker", ["network", "ls", "-q", "--filter", label]),
    ]);
    return [
      ...containers.stdout.split("\n").map((id) => id && `container ${id}`),
      ...volumes.stdout.split("\n").map((id) => id && `volume ${id}`),
      ...networks.stdout.split("\n").map((id) => id && `network ${id}`),
    ].filter(Boolean);
  }

  /** One SQL query through psql inside the postgres container (Postgres is not published on the host). */
  async sql(query: string): Promise<string[][]> {
    const [id] = await this.containers("postgres");
    if (!id) throw new Error("no postgres container");
    const { stdout } = await sh("docker", [
      "exec",
      id,
      "psql",
      "-U",
      "captioner",
      "-d",
      "captioner",
      "-tAF",
      "\t",
      "-c",
      query,
    ]);
    return stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t"));
  }
}

/** A container's log; `since` leaves out what an earlier run of the same container wrote. */
export async function containerLogs(id: string, since?: Date): Promise<string> {
  const { stdout, stderr } = await sh("docker", ["logs", ...(since ? ["--since", since.toISOString()] : []), id]);
  return stdout + stderr;
}

/** The uid of every process in a running container. */
export async function processUids(id: string): Promise<number[]> {
  const { stdout } = await sh("docker", [
    "exec",
    id,
    "sh",
    "-c",
    "for s in /proc/[0-9]*/status; do awk '/^Uid:/ {print $2}' \"$s\" 2>/dev/null; done",
  ]);
  return stdout.split("\n").filter(Boolean).map(Number);
}
