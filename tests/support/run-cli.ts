import { spawn } from "node:child_process";
import path from "node:path";

// Runs `npm run caption` (scripts/caption.ts) as a user would, without CAPTIONER_URL / CAPTIONER_API_KEY from
// the test's env.

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface CliRun {
  code: number | null;
  /** The signal that ended it, when killed. */
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `onStderr` sees stderr so far on every chunk and may kill the CLI (SIGINT like Ctrl-C by default). */
export function runCli(
  args: string[],
  {
    timeoutMs = 120_000,
    onStderr,
    env: extraEnv = {},
  }: {
    timeoutMs?: number;
    onStderr?: (soFar: string, kill: (signal?: NodeJS.Signals) => void) => void;
    /** Added to the CLI's environment (e.g. CAPTIONER_API_KEY). */
    env?: Record<string, string>;
  } = {},
): Promise<CliRun> {
  const started = performance.now();
  const env = { ...process.env };
  delete env.CAPTIONER_URL;
  delete env.CAPTIONER_API_KEY;
  Object.assign(env, extraEnv);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/caption.ts", ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, (signal = "SIGINT") => child.kill(signal));
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}
