// The whole job against the bare tools, on demand: `npx tsx bench/pipeline.ts [seconds] [rounds]`.
// In one run, alternating which goes first, it times (a) a captioning job through the public API (upload
// excluded: from POST /api/video/process to `completed`, as the API records them: the job's createdAt and
// finishedAt; the client polls twice a second and prints what it saw too) and (b) the floor: the same tools
// run by hand one after another — ffmpeg audio extraction, pocketsphinx, ffmpeg burn-in with the job's SRT
// and preset. Prints each stage's share of the job and the cores busy during it (the whole machine's, from
// /proc/stat), the job ÷ floor ratio per round, and the worker's peak RSS.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { download, getJob, submitJob, uploadFile } from "../tests/support/api-client";
import { makeSpeechVideo, runFfmpeg } from "../tests/support/make-media";
import { coresBusy, peakRss, startBenchStack } from "./support/bench-stack";

const SCRIPT =
  "Welcome back to the channel. Today we look at how captions are made, from the first spoken word to the final frame. Stay until the end for the results.";
const PRESET = process.env.FFMPEG_PRESET ?? "veryfast";

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr}`))));
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function main() {
  const seconds = Number(process.argv[2] ?? 60);
  const rounds = Number(process.argv[3] ?? 2);
  const dir = await mkdtemp(path.join(tmpdir(), "captioner-bench-pipeline-"));
  const stack = await startBenchStack({
    workerEnv: {
      TRANSCRIBER: "pocketsphinx",
      FFMPEG_PRESET: PRESET,
      WORKER_CONCURRENCY: "1",
      // ASR_PARALLELISM=1 is the serial recogniser (the "before" of issue #16); unset: all cores.
      ...(process.env.ASR_PARALLELISM ? { ASR_PARALLELISM: process.env.ASR_PARALLELISM } : {}),
    },
  });
  try {
    const speech = await makeSpeechVideo({ script: SCRIPT, width: 1280, height: 720, fps: 25 });
    const input = path.join(dir, "talk.mp4");
    await runFfmpeg(["-stream_loop", "-1", "-i", speech.path, "-t", String(seconds), "-c", "copy", input]);
    const key = await uploadFile(stack.baseUrl, input);
    const workerPid = stack.workers[0]?.child.pid ?? 0;

    const job = async () => {
      const { value: id, peakMiB } = await peakRss(workerPid, async () => {
        const id = await submitJob(stack.baseUrl, { key, language: "en" });
        // Polled twice a second like a patient client: a tight loop would take CPU from the job it times.
        for (;;) {
          const state = await getJob(stack.baseUrl, id);
          if (state.status === "completed") return id;
          if (state.status === "failed" || state.status === "canceled") throw new Error(`job ${state.status}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      });
      // The job's own wall, from the API's record: POST accepted (createdAt) to completed (finishedAt).
      const done = await getJob(stack.baseUrl, id);
      const serverMs = Date.parse(done.finishedAt ?? "") - Date.parse(done.createdAt ?? "");
      return { id, peakMiB, serverMs };
    };
    const floor = async (srt: string) => {
      const wav = path.join(dir, "floor.wav");
      const extract = await timed(() =>
        run("ffmpeg", ["-y", "-v", "error", "-i", input, "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", wav]),
      );
      const asr = await timed(() =>
        run("pocketsphinx_continuous", ["-infile", wav, "-time", "yes", "-logfn", "/dev/null"]),
      );
      let burnCores = 0;
      const burn = await timed(async () => {
        const { cores } = await coresBusy(() =>
          run("ffmpeg", [
            "-y",
            "-v",
            "error",
            "-i",
            input,
            "-vf",
            `subtitles=${srt}`,
            "-c:v",
            "libx264",
            "-preset",
            PRESET,
            "-crf",
            "23",
            "-c:a",
            "copy",
            path.join(dir, "floor.mp4"),
          ]),
        );
        burnCores = cores;
      });
      return { extract, asr, burn, burnCores, total: extract + asr + burn };
    };

    // A first job gives the SRT the floor's burn-in uses (and warms the caches both sides read).
    const warm = await job();
    const srt = path.join(dir, "captions.srt");
    const first = await getJob(stack.baseUrl, warm.id);
    await writeFile(srt, await download(first.result?.srtUrl ?? ""));

    console.log(
      `input: ${seconds} s of 1280x720 speech, preset ${PRESET}, ${rounds} rounds (order alternates), ` +
        `ASR_PARALLELISM ${process.env.ASR_PARALLELISM ?? `default (${availableParallelism()} cores)`}`,
    );
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      let jobMs = 0;
      let seenMs = 0;
      let peak = 0;
      let busy = 0;
      let busyBetween = (_from: number, _to: number) => 0;
      let id = "";
      let bare = { extract: 0, asr: 0, burn: 0, burnCores: 0, total: 0 };
      const runJob = async () => {
        const started = performance.now();
        const { value: result, cores, between } = await coresBusy(job);
        busyBetween = between;
        seenMs = performance.now() - started;
        jobMs = result.serverMs;
        peak = result.peakMiB;
        busy = cores;
        id = result.id;
      };
      if (round % 2 === 0) {
        await runJob();
        bare = await floor(srt);
      } else {
        bare = await floor(srt);
        await runJob();
      }
      const stages = await stack.db.jobEvent.findMany({
        where: { jobId: id, type: "stage_completed" },
        select: { stage: true, durationMs: true, createdAt: true },
      });
      const shares = stages
        .map(
          (s) =>
            `${s.stage} ${(((s.durationMs ?? 0) / jobMs) * 100).toFixed(0)}% (${((s.durationMs ?? 0) / 1000).toFixed(1)} s` +
            `${(s.durationMs ?? 0) >= 1000 ? `, ${busyBetween(s.createdAt.getTime() - (s.durationMs ?? 0), s.createdAt.getTime()).toFixed(2)} cores busy` : ""})`,
        )
        .join(", ");
      ratios.push(jobMs / bare.total);
      console.log(
        `round ${round + 1}: job ${(jobMs / 1000).toFixed(1)} s (seen by the client ${(seenMs / 1000).toFixed(1)} s) | floor ${(bare.total / 1000).toFixed(1)} s ` +
          `(extract ${(bare.extract / 1000).toFixed(1)} + pocketsphinx ${(bare.asr / 1000).toFixed(1)} + burn-in ${(bare.burn / 1000).toFixed(1)} on ${bare.burnCores.toFixed(2)} cores) | ` +
          `job ÷ floor ${(jobMs / bare.total).toFixed(2)} | cores busy during the job ${busy.toFixed(2)} of ${availableParallelism()} | worker peak RSS ${peak.toFixed(0)} MiB | load ${(loadavg()[0] ?? 0).toFixed(1)}`,
      );
      console.log(`  job stages: ${shares}`);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(
      `job ÷ floor over ${rounds} rounds: mean ${mean.toFixed(2)}, median ${median.toFixed(2)}, spread ` +
        `${(sorted[0] ?? 0).toFixed(2)}–${(sorted.at(-1) ?? 0).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(", ")}); load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`,
    );
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
