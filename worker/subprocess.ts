import { spawn } from "node:child_process";

/** Keeps the last `max` characters of a child's stderr: enough for support, bounded in memory. */
class TailBuffer {
  private text = "";
  constructor(private readonly max = 4_000) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.slice(-this.max);
  }
}

/** Cuts a stream of text into lines (\n, \r\n or a lone \r), holding back the unterminated rest. */
class LineSplitter {
  private partial = "";
  private endedWithCr = false;
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    // A \r\n cut between two chunks ends one line, not two.
    const text = this.endedWithCr && chunk.startsWith("\n") ? chunk.slice(1) : chunk;
    this.endedWithCr = chunk.endsWith("\r");
    const lines = (this.partial + text).split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.onLine(line);
  }
  flush(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = "";
  }
}

export type SubprocessFailure = "timeout" | "aborted" | "exit";

export class SubprocessError extends Error {
  constructor(
    readonly reason: SubprocessFailure,
    readonly command: string,
    readonly stderrTail: string,
    readonly exitCode: number | null,
    /** The spawn error's code (ENOENT: no such binary), when the command never started. */
    readonly errno?: string,
  ) {
    super(
      `${command} ${reason === "exit" ? `exited with code ${exitCode}` : reason === "timeout" ? "timed out" : "was aborted"}`,
    );
    this.name = "SubprocessError";
  }
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called with each stderr chunk as it arrives. */
  onStderr?: (chunk: string) => void;
  /**
   * Called with each complete stderr line (e.g. to parse progress or log events), split on \n, \r\n and
   * a lone \r: ffmpeg ends its `frame=… time=…` stats lines with \r. The last unterminated line is
   * delivered when the child exits, before the promise settles.
   */
  onStderrLine?: (line: string) => void;
  /** Called with each stdout chunk as it arrives (stdout is still collected and returned). */
  onStdout?: (chunk: string) => void;
  /** false: stdout goes to onStdout only and "" is returned (a long recogniser log never sits in memory). */
  keepStdout?: boolean;
  /** How many trailing characters of stderr to keep for errors and the result (default 4,000). */
  stderrTailChars?: number;
}

/**
 * Runs a command with a hard timeout and abort support, collecting stdout and the tail of stderr.
 * The child is SIGKILLed on timeout or abort: it holds no state worth a graceful stop, and a stuck
 * ffmpeg must not outlive the job.
 */
export function runSubprocess(
  command: string,
  args: string[],
  options: RunOptions,
): Promise<{ stdout: string; stderrTail: string }> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new SubprocessError("aborted", command, "", null));
      return;
    }
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const stderr = new TailBuffer(options.stderrTailChars);
    const lines = options.onStderrLine ? new LineSplitter(options.onStderrLine) : undefined;
    let stdout = "";
    let failure: SubprocessFailure | undefined;
    const kill = (reason: SubprocessFailure) => {
      failure ??= reason;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => kill("timeout"), options.timeoutMs);
    const onAbort = () => kill("aborted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (options.keepStdout !== false) stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr.push(chunk);
      options.onStderr?.(chunk);
      lines?.push(chunk);
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(new SubprocessError("exit", command, String(error.message), null, (error as NodeJS.ErrnoException).code));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      lines?.flush();
      if (failure) reject(new SubprocessError(failure, command, stderr.toString(), code));
      else if (code !== 0) reject(new SubprocessError("exit", command, stderr.toString(), code));
      else resolve({ stdout, stderrTail: stderr.toString() });
    });
  });
}
