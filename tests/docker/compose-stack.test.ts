import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getJob, submitJob, uploadFile, waitForJob } from "../support/api-client";
import { makeSpeechVideo } from "../support/make-media";
import { freePort, waitFor } from "../support/stack";
import {
  buildImage,
  ComposeProject,
  composeCommand,
  containerLogs,
  dockerAnswers,
  imageBytes,
  mb,
  processUids,
  ROOT,
  sh,
} from "./docker-cli";
import { runLoad } from "./load";

// `npm run test:docker`: the images built from docker/Dockerfile, docker-compose.yml brought up the way
// docs/deployment.md tells an operator to (env files copied from the examples, secrets generated), and
// everything checked through the published port only. The tests run in order on one stack: each leaves it
// healthy for the next. Figures are printed with a [docker] prefix and saved to
// test-results/docker-figures.json (docs/reliability.md quotes them).

const NODE_BASE = "node:22-bookworm-slim";
const WORKER_BUDGET_MB = 450;
const LOAD_SECONDS = Number(process.env.DOCKER_LOAD_SECONDS ?? 30);
const figures: Record<string, unknown> = {};
const say = (line: string) => console.log(`[docker] ${line}`);

let stack: ComposeProject;
let vps: ComposeProject | undefined;
let baseUrl: string;
let secretHex: () => string;
const storageSecret = randomBytes(32).toString("hex");
const postgresPassword = randomBytes(24).toString("hex");

/** Every job the suite submitted, so the last test can check none was lost. */
const accepted = new Set<string>();

async function upload(seconds: "short" | "long"): Promise<string> {
  const script =
    seconds === "short"
      ? "Hello from the container."
      : "The quick brown fox jumps over the lazy dog. A job in a container renders these words into the video, " +
        "and a worker killed in the middle of it must not lose the job or finish it twice.";
  const video = await makeSpeechVideo({ script, width: 640, height: 360 });
  return uploadFile(baseUrl, video.path);
}

async function submit(key: string, burnIn = true): Promise<string> {
  const id = await submitJob(baseUrl, { key, burnIn });
  accepted.add(id);
  return id;
}

const health = () => fetch(`${baseUrl}/api/health`).then((res) => res.status);

async function waitHealthy(what: string) {
  await waitFor(async () => (await health().catch(() => 0)) === 200, { timeoutMs: 120_000, intervalMs: 500, what });
}

async function workerReady(id: string, since?: Date): Promise<void> {
  await waitFor(async () => (await containerLogs(id, since)).includes('"msg":"worker ready"'), {
    timeoutMs: 60_000,
    what: `worker ${id} to be ready`,
  });
}

beforeAll(async () => {
  if (!(await dockerAnswers())) {
    throw new Error(
      "Docker does not answer. Start it first (on these machines: bash ../shared/tools/docker-stand-ins.sh).",
    );
  }
  secretHex = () => randomBytes(32).toString("hex");
  const compose = await composeCommand();
  say(`compose: ${compose.join(" ")}`);

  // Images: the same Dockerfile and tags the compose files use.
  const workerSec = await buildImage("worker", "captioner-worker:latest");
  const appSec = await buildImage("app", "captioner-app:latest");
  const [base, worker, app] = await Promise.all(
    [NODE_BASE, "captioner-worker:latest", "captioner-app:latest"].map(imageBytes),
  );
  figures.build = { workerSec: Math.round(workerSec), appSec: Math.round(appSec) };
  figures.images = {
    baseMB: mb(base as number),
    workerMB: mb(worker as number),
    workerAboveBaseMB: mb((worker as number) - (base as number)),
    appMB: mb(app as number),
    appAboveBaseMB: mb((app as number) - (base as number)),
  };
  say(`build: worker ${workerSec.toFixed(0)} s, app ${appSec.toFixed(0)} s`);
  say(
    `images: worker ${mb(worker as number)} MB (${mb((worker as number) - (base as number))} MB above ${NODE_BASE}), app ${mb(app as number)} MB (${mb((app as number) - (base as number))} MB above)`,
  );

  // The all-in-one stack, set up as docs/deployment.md says; free host ports, a project name of its own.
  const [appPort, dashboardPort] = await Promise.all([freePort(), freePort()]);
  baseUrl = `http://127.0.0.1:${appPort}`;
  stack = new ComposeProject(compose, `captioner-dt-${randomBytes(3).toString("hex")}`, ["docker-compose.yml"]);
  stack.copy("docker-compose.yml");
  for (const name of ["app", "worker", "dashboard"]) {
    stack.copy(`env.${name}.example`, `.env.${name}`);
  }
  const fill = (file: string, values: Record<string, string>) => {
    let text = stack.read(file);
    for (const [key, value] of Object.entries(values)) {
      text = text.replace(new RegExp(`^${key}=.*$`, "m"), `${key}=${value}`);
    }
    stack.write(file, text);
  };
  fill(".env.app", {
    STORAGE_SIGNING_SECRET: storageSecret,
    NEXTAUTH_SECRET: secretHex(),
    APP_URL: baseUrl,
    NEXTAUTH_URL: baseUrl,
    // The example asks for API keys (PUBLIC_SUBMISSIONS=key); this operator runs an open instance, and the
    // whole suite (its kills, outages and load test) calls from one address: the per-IP limits are lifted.
    PUBLIC_SUBMISSIONS: "open",
  });
  stack.write(
    ".env.app",
    `${stack.read(".env.app")}\nRATE_LIMIT_IP_REQUESTS_PER_MIN=0\nRATE_LIMIT_IP_CONCURRENT_JOBS=0\nRATE_LIMIT_IP_MEDIA_MINUTES_PER_DAY=0\n`,
  );
  fill(".env.worker", { STORAGE_SIGNING_SECRET: storageSecret });
  fill(".env.dashboard", { METRICS_TOKEN: secretHex() });
  stack.write(
    ".env",
    `POSTGRES_PASSWORD=${postgresPassword}\nAPP_PORT=${appPort}\nDASHBOARD_HOST_PORT=${dashboardPort}\n`,
  );

  const started = performance.now();
  await stack.run(["up", "-d", "--no-build"]);
  await waitHealthy("the stack to answer /api/health");
  figures.upSec = Math.round((performance.now() - started) / 1000);
  say(`stack up and healthy in ${figures.upSec} s`);
}, 1_800_000);

afterAll(async () => {
  const projects = [vps, stack].filter((p): p is ComposeProject => p !== undefined);
  for (const project of projects) {
    await project.run(["down", "-v", "--remove-orphans"], 180_000).catch((error: Error) => say(error.message));
    rmSync(project.dir, { recursive: true, force: true });
  }
  mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
  writeFileSync(path.join(ROOT, "test-results/docker-figures.json"), `${JSON.stringify(figures, null, 2)}\n`);
  say(`figures: ${JSON.stringify(figures)}`);
}, 300_000);

describe("docker-compose.yml on one host", () => {
  test(`the worker image is at most ${WORKER_BUDGET_MB} MB above ${NODE_BASE}`, () => {
    const images = figures.images as { workerAboveBaseMB: number; appAboveBaseMB: number };
    expect(images.workerAboveBaseMB).toBeLessThanOrEqual(WORKER_BUDGET_MB);
  });

  test("a job completes through the published port; every worker process runs as a non-root user", async () => {
    const started = performance.now();
    const id = await submit(await upload("short"));
    const job = await waitForJob(baseUrl, id, { timeoutMs: 180_000 });
    expect(job.status, JSON.stringify(job.error)).toBe("completed");
    const video = await fetch(job.result?.videoUrl ?? "");
    expect(video.status).toBe(200);
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const srt = await (await fetch(job.result?.srtUrl ?? "")).text();
    expect(srt.toLowerCase()).toContain("container");
    figures.firstJobSec = Math.round((performance.now() - started) / 1000);

    for (const service of ["worker", "app", "dashboard"]) {
      for (const id of await stack.containers(service)) {
        const uids = await processUids(id);
        expect(uids.length).toBeGreaterThan(0);
        expect(
          uids.filter((uid) => uid === 0),
          `${service} runs processes as root`,
        ).toEqual([]);
      }
    }
  });

  test("--scale worker=2: a worker SIGKILLed mid-render loses nothing; every job completes exactly once", async () => {
    await stack.run(["up", "-d", "--no-build", "--scale", "worker=2"]);
    const workers = await stack.containers("worker");
    expect(workers).toHaveLength(2);
    for (const id of workers) await workerReady(id);

    const key = await upload("long");
    const ids = await Promise.all([1, 2, 3, 4].map(() => submit(key)));
    // The first job seen rendering: kill the container running it, mid-render.
    const rendering = await waitFor(
      async () => {
        for (const id of ids) if ((await getJob(baseUrl, id)).phase === "rendering") return id;
        return undefined;
      },
      { timeoutMs: 180_000, intervalMs: 100, what: "a job to be rendering" },
    );
    let victim: string | undefined;
    for (const id of workers) if ((await containerLogs(id)).includes(rendering)) victim = id;
    expect(victim).toBeDefined();
    await sh("docker", ["kill", "-s", "KILL", victim as string]);
    const killedAt = performance.now();
    say(`killed worker ${victim?.slice(0, 12)} while job ${rendering} was rendering`);
    // The killed worker's job dir is still in its container's filesystem.
    const diff = await sh("docker", ["diff", victim as string]);
    expect(diff.stdout).toMatch(/\/tmp\/captioner\/captioner-job-/);

    // The other worker picks the stalled jobs up once their locks expire (lock 60 s, checked every 30 s).
    const finished = await Promise.all(ids.map((id) => waitForJob(baseUrl, id, { timeoutMs: 300_000 })));
    expect(finished.map((job) => job.status)).toEqual(["completed", "completed", "completed", "completed"]);
    figures.killRecoverySec = Math.round((performance.now() - killedAt) / 1000);
    const completions = await stack.sql(
      `SELECT "jobId", count(*) FROM "JobEvent" WHERE type = 'completed' AND "jobId" IN (${ids.map((id) => `'${id}'`).join(",")}) GROUP BY 1`,
    );
    expect(completions.map(([, count]) => count)).toEqual(["1", "1", "1", "1"]);
    figures.killedMidRender = { jobs: ids.length, completedOnce: completions.length };
    say(
      `kill mid-render: ${completions.length}/${ids.length} completed exactly once, ${figures.killRecoverySec} s after the kill`,
    );

    // Started again, the worker sweeps the temp dir its killed predecessor left.
    const restarted = new Date(Date.now() - 1000);
    await sh("docker", ["start", victim as string]);
    await workerReady(victim as string, restarted);
    expect(await containerLogs(victim as string, restarted)).toContain(
      "removed temp dirs left by a worker that was killed",
    );
    const { stdout } = await sh("docker", ["exec", victim as string, "ls", "-A", "/tmp/captioner"]);
    expect(stdout.split("\n").filter((name) => name.startsWith("captioner-job-"))).toEqual([]);
  });

  test("Redis stopped: 503 QUEUE_UNAVAILABLE, then it heals by itself and the accepted job completes", async () => {
    const key = await upload("short");
    const before = await submit(key);
    await stack.run(["stop", "redis"]);
    const res = await fetch(`${baseUrl}/api/video/process`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key }),
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("QUEUE_UNAVAILABLE");
    await stack.run(["start", "redis"]);
    const outage = performance.now();
    await waitHealthy("health after Redis is back");
    figures.redisHealSec = Math.round((performance.now() - outage) / 1000);
    const after = await submit(key);
    for (const id of [before, after])
      expect((await waitForJob(baseUrl, id, { timeoutMs: 180_000 })).status).toBe("completed");
  });

  test("Postgres stopped: 503 DATABASE_UNAVAILABLE, then it heals by itself and the accepted job completes", async () => {
    const key = await upload("short");
    const before = await submit(key);
    await stack.run(["stop", "postgres"]);
    const [process, status] = await Promise.all([
      fetch(`${baseUrl}/api/video/process`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ key }),
      }),
      fetch(`${baseUrl}/api/video/job/${before}`),
    ]);
    for (const res of [process, status]) {
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DATABASE_UNAVAILABLE");
    }
    await stack.run(["start", "postgres"]);
    const outage = performance.now();
    await waitHealthy("health after Postgres is back");
    figures.postgresHealSec = Math.round((performance.now() - outage) / 1000);
    const after = await submit(key);
    for (const id of [before, after])
      expect((await waitForJob(baseUrl, id, { timeoutMs: 180_000 })).status).toBe("completed");
  });

  test(`a ${LOAD_SECONDS} s load of submits and polls: no 5xx, no lost job`, async () => {
    const key = await upload("short");
    const load = await runLoad({ baseUrl, key, seconds: LOAD_SECONDS });
    for (const id of load.jobIds) accepted.add(id);
    figures.load = load.summary;
    say(`load: ${JSON.stringify(load.summary)}`);
    expect(load.summary.errors5xx).toBe(0);
    expect(load.summary.submitsAccepted).toBeGreaterThan(0);
    const finished = await Promise.all(load.jobIds.map((id) => waitForJob(baseUrl, id, { timeoutMs: 600_000 })));
    expect(finished.filter((job) => job.status !== "completed").map((job) => job.id)).toEqual([]);
  });

  test("docker-compose.worker.yml, against this stack's Postgres, Redis and storage, takes the jobs", async () => {
    // The VPS shape: only workers, wired to services that live elsewhere (here: the all-in-one project's
    // network and data volume, joined by an override file as an operator would for a second host's stack).
    const compose = stack.compose;
    vps = new ComposeProject(compose, `${stack.name}-vps`, ["docker-compose.worker.yml", "attach.yml"]);
    vps.copy("docker-compose.worker.yml");
    vps.copy("env.worker.example", ".env.worker");
    let env = vps.read(".env.worker");
    env = env
      .replace(/^DATABASE_URL=.*$/m, `DATABASE_URL=postgresql://captioner:${postgresPassword}@postgres:5432/captioner`)
      .replace(/^STORAGE_SIGNING_SECRET=.*$/m, `STORAGE_SIGNING_SECRET=${storageSecret}`);
    vps.write(".env.worker", env);
    vps.write(
      "attach.yml",
      [
        "services:",
        "  worker:",
        "    networks: [allinone]",
        "    volumes: ['allinone-data:/data']",
        "networks:",
        `  allinone: { external: true, name: ${stack.name}_default }`,
        "volumes:",
        `  allinone-data: { external: true, name: ${stack.name}_data }`,
        "",
      ].join("\n"),
    );
    // Only the VPS worker may take the next job.
    await stack.run(["stop", "worker"]);
    await vps.run(["up", "-d", "--no-build"]);
    const [worker] = await vps.containers("worker");
    expect(worker).toBeDefined();
    await workerReady(worker as string);

    const id = await submit(await upload("short"));
    expect((await waitForJob(baseUrl, id, { timeoutMs: 180_000 })).status).toBe("completed");
    expect(await containerLogs(worker as string)).toContain(id);
    expect((await processUids(worker as string)).filter((uid) => uid === 0)).toEqual([]);
  });

  test("no accepted job was lost; `down -v` leaves no container, volume or network behind", async () => {
    const ids = [...accepted];
    const rows = await stack.sql(
      `SELECT status, count(*) FROM "Job" WHERE id IN (${ids.map((id) => `'${id}'`).join(",")}) GROUP BY 1`,
    );
    expect(rows).toEqual([["completed", String(ids.length)]]);
    figures.acceptedJobs = ids.length;
    say(`accepted jobs: ${ids.length}, all completed`);

    for (const project of [vps, stack]) {
      if (!project) continue;
      await project.run(["down", "-v", "--remove-orphans"], 180_000);
      expect(await project.leftovers()).toEqual([]);
    }
  });
});
