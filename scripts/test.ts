// `npm test`: the same command for a developer and for CI. Installs what a fresh machine lacks (system
// packages through apt when root), makes sure Postgres and Redis answer (starting embedded ones when
// nothing listens), then lint, type check and the whole vitest suite (unit + integration + browser).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { postgresAnswers, redisAnswers, type Stop, startEmbeddedPostgres, startLocalRedis } from "./lib/services";
import { ensureSystemPackages, RUNTIME_REQUIREMENTS, TEST_REQUIREMENTS } from "./lib/system-deps";

const log = (line: string) => console.log(`[test] ${line}`);
const stops: Stop[] = [];

function step(name: string, command: string, args: string[]): number {
  log(name);
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: "inherit", env: process.env });
  log(`${name}: ${result.status === 0 ? "ok" : "FAILED"} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result.status ?? 1;
}

async function main(): Promise<number> {
  ensureSystemPackages([...RUNTIME_REQUIREMENTS, ...TEST_REQUIREMENTS], log);

  const postgres = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  if (!(await postgresAnswers(postgres))) {
    log("No Postgres at 127.0.0.1:5432: starting an embedded one for the tests (port 5433)…");
    const embedded = await startEmbeddedPostgres(path.resolve(".data/test-postgres"), 5433);
    stops.push(embedded.stop);
    process.env.TEST_POSTGRES_URL = embedded.url.replace(/\/captioner$/, "/postgres");
  }
  const redis = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!(await redisAnswers(redis))) {
    log("No Redis at 127.0.0.1:6379: starting redis-server for the tests (port 6380)…");
    const started = await startLocalRedis(path.resolve(".data/test-redis"), 6380);
    stops.push(started.stop);
    process.env.TEST_REDIS_URL = started.url;
  }

  const bin = (name: string) => path.resolve("node_modules/.bin", name);
  if (step("prisma generate", bin("prisma"), ["generate"]) !== 0) return 1;
  if (step("lint (biome)", bin("biome"), ["check", "."]) !== 0) return 1;
  if (step("type check (tsc)", bin("tsc"), ["--noEmit"]) !== 0) return 1;
  const report = "test-results/vitest.json";
  const status = step("tests (vitest)", bin("vitest"), [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ]);
  if (existsSync(report)) {
    const summary = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
    };
    console.log(
      `${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests} skipped`,
    );
  }
  return status;
}

main()
  .then(async (code) => {
    for (const stop of stops) await stop().catch(() => {});
    process.exit(code);
  })
  .catch(async (error: Error) => {
    console.error(`[test] ${error.message}`);
    for (const stop of stops) await stop().catch(() => {});
    process.exit(1);
  });
