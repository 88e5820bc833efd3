// Public API throughput, on demand: `npx tsx bench/api.ts [seconds] [connections]`.
// Against one `next start` (loopback, bounded in time), it measures GET /api/video/job/:id (a Prisma read
// and signed download URLs) and, as the same-run baseline, the cheapest thing Next serves: its static icon.
// Prints requests/s, p50/p99 and the ratio job GET ÷ baseline for each.
import { randomBytes } from "node:crypto";
import { newJobId } from "../lib/ids";
import { startBenchStack } from "./support/bench-stack";

interface Load {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(name: string, url: string, seconds: number, connections: number): Promise<Load> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const res = await fetch(url);
          await res.arrayBuffer();
          if (res.ok) latencies.push(performance.now() - t0);
          else errors += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { name, rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
}

async function main() {
  const seconds = Number(process.argv[2] ?? 10);
  const connections = Number(process.argv[3] ?? 20);
  const stack = await startBenchStack({ worker: false });
  try {
    // A completed job with outputs, as the job page polls it once done (the heaviest public read).
    const id = newJobId();
    await stack.db.job.create({
      data: {
        id,
        status: "completed",
        progress: 100,
        inputKey: `uploads/${randomBytes(8).toString("hex")}/talk.mp4`,
        outputVideoKey: `rendered/${id}-1.mp4`,
        outputSrtKey: `rendered/${id}-1.srt`,
        outputVttKey: `rendered/${id}-1.vtt`,
        durationSec: 60,
        finishedAt: new Date(),
      },
    });
    const targets = [
      ["static icon (baseline)", `${stack.baseUrl}/icon.svg`],
      ["GET /api/video/job/:id", `${stack.baseUrl}/api/video/job/${id}`],
    ] as const;
    // Warm both paths, then measure them in alternating order, twice.
    for (const [, url] of targets) await load("warm-up", url, 2, 4);
    const results: Load[][] = [[], []];
    for (const order of [0, 1, 1, 0]) {
      const [name, url] = targets[order] ?? targets[0];
      results[order]?.push(await load(name, url, seconds, connections));
    }
    const best = (rows: Load[] | undefined) => rows?.reduce((a, b) => (b.rps > a.rps ? b : a));
    const baseline = best(results[0]);
    console.log(`${seconds} s per measurement, ${connections} connections, loopback, best of 2`);
    for (const row of [baseline, best(results[1])]) {
      if (!row || !baseline) continue;
      console.log(
        `${row.name.padEnd(26)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(1)} ms  p99 ${row.p99.toFixed(1)} ms  errors ${row.errors}  ${(row.rps / baseline.rps).toFixed(2)}× baseline`,
      );
    }
  } finally {
    await stack.stop();
  }
}

await main();
