// One long video on one worker vs two: `npx tsx bench/split.ts [seconds] [segmentSec] [rounds]` (default 600,
// 60, 1; with more rounds the order alternates: 1 then 2 workers, then 2 then 1, …).
// Builds a talk (flite speech looped over a test pattern, 640x360 25 fps: a 720p source takes minutes just
// to make), then captions it through the public API as a split job (worker/split) twice on one stack:
// with 1 worker process pinned to core 0 (`taskset`), and with 2 workers pinned to cores 0 and 1. Each
// worker runs WORKER_CONCURRENCY=1, so one process uses one core. Prints both walls, the goal
// (2 workers ≤ 1.3 × (1-worker wall ÷ 2)), the parent's serial parts and the load average around each run:
// the machine is shared, so read the figures with the load beside them.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { getJob, submitJob, uploadFile } from "../tests/support/api-client";
import { makeSpeechVideo, runFfmpeg } from "../tests/support/make-media";
import type { ManagedProcess, Stack } from "../tests/support/stack";
import { startBenchStack } from "./support/bench-stack";

const SCRIPT =
  "Welcome back to the channel. Today we look at how captions are made, from the first spoken word to the final frame. " +
  "A recogniser listens to the audio and writes down every word with its time. The captioner groups the words into short " +
  "lines that a viewer can read, and draws them into the picture. Long videos are cut into pieces that many machines " +
  "work on at the same time, and the pieces are joined again without a second encode. Stay until the end for the results.";
const PRESET = process.env.FFMPEG_PRESET ?? "veryfast";

function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
}

function pin(worker: ManagedProcess, core: number): void {
  // -a: every thread of the node process; its children (ffmpeg, pocketsphinx) inherit the affinity.
  execFileSync("taskset", ["-a", "-cp", String(core), String(worker.child.pid)], { stdio: "ignore" });
}

/**
 * What the machine itself gives right now: one recogniser pinned to core 0, then two at once pinned to
 * cores 0 and 1, on the same audio. 2 × t(one) ÷ t(two) is the hardware's parallel speed-up under the
 * current load (2.0 on two idle cores): the ceiling for any 2-worker figure measured beside it.
 */
async function machineSpeedup(wav: string): Promise<{ one: number; two: number; speedup: number }> {
  const { spawn } = await import("node:child_process");
  const recognise = (core: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        "taskset",
        ["-c", String(core), "pocketsphinx_continuous", "-infile", wav, "-time", "yes", "-logfn", "/dev/null"],
        { stdio: "ignore" },
      );
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pocketsphinx exited ${code}`))));
    });
  let started = performance.now();
  await recognise(0);
  const one = performance.now() - started;
  started = performance.now();
  await Promise.all([recognise(0), recognise(1)]);
  const two = performance.now() - started;
  return { one, two, speedup: (2 * one) / two };
}

async function runJob(stack: Stack, key: string) {
  const loadBefore = load();
  const started = performance.now();
  const id = await submitJob(stack.baseUrl, { key, language: "en" });
  for (;;) {
    const state = await getJob(stack.baseUrl, id);
    if (state.status === "completed") break;
    if (state.status === "failed" || state.status === "canceled")
      throw new Error(`job ${id} ${state.status}: ${state.error?.code}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const wallMs = performance.now() - started;
  const row = await stack.db.job.findUniqueOrThrow({
    where: { id },
    include: { events: { orderBy: { createdAt: "asc" } }, segments: { orderBy: { index: "asc" } } },
  });
  const stage = (name: string) =>
    row.events.find((e) => e.type === "stage_completed" && e.stage === name)?.durationMs ?? 0;
  const completed = row.events.find((e) => e.type === "completed");
  const split = (completed?.data as { split?: { concatMs: number; segments: number; workers: number } } | null)?.split;
  const serialMs =
    stage("downloading") +
    stage("probing") +
    stage("extracting_audio") +
    stage("splitting") +
    stage("building_captions") +
    (split?.concatMs ?? 0) +
    stage("uploading");
  return {
    wallMs,
    loadBefore,
    loadAfter: load(),
    segments: row.segments.length,
    workers: new Set(row.segments.map((s) => s.worker)).size,
    transcribingMs: stage("transcribing"),
    renderingMs: stage("rendering"),
    serialMs,
    parts: {
      download: stage("downloading"),
      probe: stage("probing"),
      extract: stage("extracting_audio"),
      split: stage("splitting"),
      captions: stage("building_captions"),
      concat: split?.concatMs ?? 0,
      upload: stage("uploading"),
    },
    childCpuMs: row.segments.reduce((n, s) => n + (s.transcribeMs ?? 0) + (s.renderMs ?? 0), 0),
  };
}

type JobFigures = Awaited<ReturnType<typeof runJob>>;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const seconds = Number(process.argv[2] ?? 600);
  const segmentSec = process.argv[3] ?? "60";
  const dir = await mkdtemp(path.join(tmpdir(), "captioner-bench-split-"));
  const workerEnv = {
    TRANSCRIBER: "pocketsphinx",
    FFMPEG_PRESET: PRESET,
    WORKER_CONCURRENCY: "1",
    SPLIT_MIN_SEC: "30",
    SPLIT_SEGMENT_SEC: segmentSec,
  };
  const stack = await startBenchStack({ worker: false, workerEnv });
  try {
    const speech = await makeSpeechVideo({ script: SCRIPT, width: 640, height: 360, fps: 25 });
    const input = path.join(dir, "talk.mp4");
    const made = performance.now();
    await runFfmpeg(["-stream_loop", "-1", "-i", speech.path, "-t", String(seconds), "-c", "copy", input]);
    console.log(
      `input: ${seconds} s talk, 640x360 25 fps (${speech.durationSec.toFixed(1)} s of flite speech looped, made in ${s(performance.now() - made)}), preset ${PRESET}, segments of ~${segmentSec} s`,
    );
    const key = await uploadFile(stack.baseUrl, input);
    const wav = path.join(dir, "capacity.wav");
    await runFfmpeg(["-i", input, "-t", "30", "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", wav]);
    const capacity = async () => {
      const c = await machineSpeedup(wav);
      console.log(
        `machine: 30 s of speech recognised on core 0 alone ${s(c.one)}, twice at once on cores 0 and 1 ${s(c.two)} → the hardware's parallel speed-up now: ${c.speedup.toFixed(2)}× (2.00 on idle cores); load ${load()}`,
      );
    };
    await capacity();

    const rounds = Number(process.argv[4] ?? 1);
    const results: { single: JobFigures; double: JobFigures }[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [1, 2] : [2, 1];
      const figures: Partial<{ single: JobFigures; double: JobFigures }> = {};
      for (const count of order) {
        const workers: ManagedProcess[] = [];
        for (let core = 0; core < count; core++) {
          const worker = await stack.startWorker();
          pin(worker, core);
          workers.push(worker);
        }
        const r = await runJob(stack, key);
        console.log(
          `round ${round + 1}: ${count === 1 ? "1 worker  (core 0):    " : "2 workers (cores 0, 1):"} wall ${s(r.wallMs)}  load ${r.loadBefore} → ${r.loadAfter}`,
        );
        if (count === 1) figures.single = r;
        else figures.double = r;
        await Promise.all(workers.map((w) => w.stop()));
        stack.workers.length = 0;
      }
      results.push(figures as { single: JobFigures; double: JobFigures });
    }

    for (const [round, { single, double }] of results.entries()) {
      const goalMs = 1.3 * (single.wallMs / 2);
      const ratio = double.wallMs / (single.wallMs / 2);
      console.log(
        `round ${round + 1} goal: 2-worker wall ≤ 1.3 × (1-worker wall ÷ 2) = ${s(goalMs)}; measured ${s(double.wallMs)} = ${ratio.toFixed(2)} × (1-worker ÷ 2) → ${double.wallMs <= goalMs ? "MET" : "NOT MET"}; speed-up ${(single.wallMs / double.wallMs).toFixed(2)}×`,
      );
      for (const [name, r] of [
        ["1 worker", single],
        ["2 workers", double],
      ] as const) {
        const parts = Object.entries(r.parts)
          .map(([k, v]) => `${k} ${s(v)}`)
          .join(", ");
        console.log(
          `  ${name}: ${r.segments} segments on ${r.workers} worker(s); recognition step ${s(r.transcribingMs)}, render step ${s(r.renderingMs)}; parent serial ${s(r.serialMs)} (${parts}); children's work ${s(r.childCpuMs)}`,
        );
      }
    }
    await capacity();
    console.log(`uptime: ${execFileSync("uptime").toString().trim()}`);
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
