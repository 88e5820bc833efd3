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

/**
 * How many of the machine's cores were busy (not idle or waiting on I/O) while `work` ran, from /proc/stat
 * sampled every 100 ms: over the whole run, and over any stretch of it (`between`, wall-clock ms), e.g. one
 * stage of a job. The whole machine's cores: other processes count too (print the load average beside it).
 */
export async function coresBusy<T>(
  work: () => Promise<T>,
): Promise<{ value: T; cores: number; between: (fromMs: number, toMs: number) => number }> {
  const { readFile } = await import("node:fs/promises");
  const { availableParallelism } = await import("node:os");
  const samples: { at: number; total: number; idle: number }[] = [];
  const sample = async () => {
    const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    samples.push({
      at: Date.now(),
      total: ticks.reduce((a, b) => a + b, 0),
      idle: (ticks[3] ?? 0) + (ticks[4] ?? 0),
    });
  };
  const busy = (from: { total: number; idle: number }, to: { total: number; idle: number }) => {
    const total = to.total - from.total;
    return total > 0 ? ((total - (to.idle - from.idle)) / total) * availableParallelism() : 0;
  };
  await sample();
  const timer = setInterval(() => void sample(), 100);
  try {
    const value = await work();
    await sample();
    const first = samples[0] as (typeof samples)[number];
    const last = samples.at(-1) as (typeof samples)[number];
    const between = (fromMs: number, toMs: number) => {
      const from = samples.findLast((s) => s.at <= fromMs) ?? first;
      const to = samples.find((s) => s.at >= toMs) ?? last;
      return busy(from, to);
    };
    return { value, cores: busy(first, last), between };
  } finally {
    clearInterval(timer);
  }
}
