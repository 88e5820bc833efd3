import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appEnv } from "../../lib/env/app-env";
import { dashboardEnv } from "../../lib/env/dashboard-env";
import { workerEnv } from "../../lib/env/worker-env";

// The compose files as Docker resolves them (`docker-compose config`: validated, variables substituted, env
// files merged in), set up the way docs/deployment.md tells an operator to: the env.*.example files copied
// to .env.* with their empty secrets filled in. No Docker engine is needed for this.

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

interface Service {
  image?: string;
  command?: string[];
  container_name?: string;
  ports?: unknown[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  deploy?: { resources?: { limits?: { cpus?: number; memory?: string } } };
}

let dir: string;
const SECRET = "filled-in-0123456789abcdef";

beforeAll(() => {
  if (spawnSync("sh", ["-c", "command -v docker-compose"]).status !== 0) {
    throw new Error(
      "docker-compose is not installed (it validates the compose files offline): run  apt-get install -y --no-install-recommends docker-compose",
    );
  }
  dir = mkdtempSync(path.join(tmpdir(), "captioner-compose-"));
  for (const file of ["docker-compose.yml", "docker-compose.worker.yml"]) {
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  for (const name of ["app", "worker", "dashboard"]) {
    const example = readFileSync(path.join(ROOT, `env.${name}.example`), "utf8");
    writeFileSync(path.join(dir, `.env.${name}`), example.replace(/^([A-Z][A-Z0-9_]*)=$/gm, `$1=${SECRET}`));
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `docker-compose config` as JSON (PyYAML comes with docker-compose); rejects when the file is invalid. */
async function resolvedConfig(args: string[]): Promise<{ services: Record<string, Service> }> {
  // No stray POSTGRES_PASSWORD etc. from the test's shell.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "", NODE_ENV: "production" };
  const { stdout } = await run("docker-compose", [...args, "config"], { cwd: dir, env });
  const converted = spawnSync(
    "python3",
    ["-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
    {
      input: stdout,
      encoding: "utf8",
      env,
    },
  );
  if (converted.status !== 0) throw new Error(`could not read the docker-compose config output: ${converted.stderr}`);
  return JSON.parse(converted.stdout);
}

function seconds(duration: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

function mountTarget(service: Service, volume: string): string | undefined {
  return service.volumes?.find((v) => v.startsWith(`${volume}:`))?.split(":")[1];
}

function expectGracefulWorker(worker: Service) {
  expect(worker.container_name).toBeUndefined();
  expect(worker.ports ?? []).toEqual([]);
  expect(worker.deploy?.resources?.limits?.cpus).toBeGreaterThan(0);
  expect(worker.deploy?.resources?.limits?.memory).toBeTruthy();
  const env = worker.environment ?? {};
  expect(worker.healthcheck?.test.join(" ")).toContain(`http://127.0.0.1:${env.WORKER_HEALTH_PORT}/healthz`);
  // Docker's kill must come after the worker's own deadline plus the hand-back of aborted jobs.
  expect(seconds(worker.stop_grace_period ?? "10s") * 1000).toBeGreaterThanOrEqual(
    Number(env.WORKER_SHUTDOWN_TIMEOUT_MS) + 15_000,
  );
}

describe("docker-compose.yml (all in one host)", () => {
  it("is valid, with the services, healthchecks and start order the stack needs", async () => {
    const { services } = await resolvedConfig(["-f", "docker-compose.yml"]);
    expect(Object.keys(services).sort()).toEqual(["app", "dashboard", "migrate", "postgres", "redis", "worker"]);
    const { postgres, redis, migrate, app, worker, dashboard } = services as Record<string, Service>;

    expect(postgres?.image).toBe("postgres:16");
    expect(redis?.image).toBe("redis:7");
    expect(redis?.command?.join(" ")).toContain("--appendonly yes");
    for (const data of [postgres, redis]) {
      expect(data?.healthcheck).toBeDefined();
      expect(data?.volumes?.length).toBe(1);
    }
    expect(migrate?.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(migrate?.command).toEqual(["node", "--import", "tsx", "scripts/migrate.ts"]);
    for (const service of [app, worker, dashboard]) {
      expect(service?.depends_on).toEqual({
        migrate: { condition: "service_completed_successfully" },
        redis: { condition: "service_healthy" },
      });
      expect(service?.healthcheck?.test.join(" ")).toMatch(
        /http-check\.mjs http:\/\/127\.0\.0\.1:\d+\/(api\/health|healthz)/,
      );
    }
    expectGracefulWorker(worker as Service);
  });

  it("gives app and worker the same storage directory and every process a configuration it accepts", async () => {
    const { services } = await resolvedConfig(["-f", "docker-compose.yml"]);
    const { postgres, migrate, app, worker, dashboard } = services as Record<string, Service>;
    const appEnvironment = app?.environment ?? {};
    const workerEnvironment = worker?.environment ?? {};

    const target = mountTarget(app as Service, "data");
    expect(target).toBeDefined();
    expect(mountTarget(worker as Service, "data")).toBe(target);
    expect(appEnvironment.DATA_DIR).toBe(target);
    expect(workerEnvironment.DATA_DIR).toBe(target);

    // One queue, one session secret, one database.
    expect(workerEnvironment.QUEUE_PREFIX).toBe(appEnvironment.QUEUE_PREFIX);
    expect(dashboard?.environment?.QUEUE_PREFIX).toBe(appEnvironment.QUEUE_PREFIX);
    expect(dashboard?.environment?.NEXTAUTH_SECRET).toBe(appEnvironment.NEXTAUTH_SECRET);
    const password = postgres?.environment?.POSTGRES_PASSWORD;
    for (const service of [migrate, app, worker, dashboard]) {
      const url = new URL(service?.environment?.DATABASE_URL ?? "");
      expect(url.host).toBe("postgres:5432");
      expect(url.password).toBe(password);
    }
    expect(appEnvironment.DASHBOARD_URL).toBe("http://dashboard:3001");

    expect(workerEnv(workerEnvironment).storage.driver).toBe("local");
    expect(appEnv(appEnvironment).storage.driver).toBe("local");
    expect(dashboardEnv(dashboard?.environment ?? {})).toMatchObject({
      DASHBOARD_HOST: "0.0.0.0",
      DASHBOARD_PORT: 3001,
    });
  });
});

describe("docker-compose.worker.yml (workers on a VPS)", () => {
  it("runs only the worker, on .env.worker as written, and keeps migrate and dashboard behind profiles", async () => {
    const { services } = await resolvedConfig(["-f", "docker-compose.worker.yml"]);
    const worker = services.worker as Service;
    expect(worker.depends_on).toBeUndefined();
    // Nothing overrides the operator's external Postgres/Redis/R2 settings.
    const fromFile = readFileSync(path.join(dir, ".env.worker"), "utf8");
    expect(fromFile).toContain(`DATABASE_URL=${worker.environment?.DATABASE_URL}`);
    expect(fromFile).toContain(`REDIS_URL=${worker.environment?.REDIS_URL}`);
    expectGracefulWorker(worker);
    expect(services.migrate?.profiles).toEqual(["migrate"]);
    expect(services.dashboard?.profiles).toEqual(["dashboard"]);
    expect(services.migrate?.command).toEqual(["node", "--import", "tsx", "scripts/migrate.ts"]);
  });

  it("rejects a compose file that is not valid (the check can fail)", async () => {
    writeFileSync(path.join(dir, "broken.yml"), "services:\n  worker:\n    stop_grace_period: [not, a, duration]\n");
    await expect(resolvedConfig(["-f", "broken.yml"])).rejects.toThrow();
  });
});
