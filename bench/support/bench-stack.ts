// A real stack for benchmarks (next start + worker on a database of their own), the same processes the
// integration tests start, outside vitest: it makes its own migrated template database first.
import { randomBytes } from "node:crypto";
import { ensureNextBuild } from "../../scripts/lib/next-build";
import { migrateDatabase } from "../../scripts/lib/services";
import { dropDatabase, recreateDatabase } from "../../tests/support/databases";
import { type Stack, type StackOptions, startStack } from "../../tests/support/stack";

export async function startBenchStack(options: StackOptions = {}): Promise<Stack> {
  const template = `captioner_bench_template_${randomBytes(4).toString("hex")}`;
  migrateDatabase(await recreateDatabase(template), true);
  ensureNextBuild((line) => console.log(`[bench] ${line}`));
  const stack = await startStack({ ...options, templateDb: template });
  const stop = stack.stop.bind(stack);
  stack.stop = async () => {
    await stop();
    await dropDatabase(template);
  };
  return stack;
}

/** Peak resident memory (MiB) of a process while `work` runs, sampled every 50 ms from /proc. */
export async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  const { readFile } = await import("node:fs/promises");
  let peak = 0;
  const sample = async () => {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const kb = Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
    peak = Math.max(peak, kb / 1024);
  };
  const timer = setInterval(() => void sample(), 50);
  try {
    const value = await work();
    await sample();
    return { value, peakMiB: peak };
  } finally {
    clearInterval(timer);
  }
}
