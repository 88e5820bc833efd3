// Does signing in slow the public API down? Run on demand: `npx tsx bench/sign-in.ts [requests]`.
// Starts `next start` on a scratch database and queue prefix, then measures the public API
// (GET /api/video/job/:id, a Prisma-backed 404) first idle, then while 12 clients sign in over and over
// with the right password (each sign-in = one argon2 verification). Prints both p50s and their ratio;
// the goal is ≤ 2×. Absolute times drift with the machine's load: read the ratio.
// Needs Postgres on TEST_POSTGRES_URL (default postgres@127.0.0.1:5432) and Redis on REDIS_URL (6379).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import { upsertUser } from "../lib/auth/users";
import { createPrisma } from "../lib/db";
import { ensureNextBuild } from "../scripts/lib/next-build";
import { ensureDatabase, migrateDatabase } from "../scripts/lib/services";

const SIGN_IN_CLIENTS = 12;
const EMAIL = "bench@sign-in.test";
const PASSWORD = "bench-password-1";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** `requests` sequential public API calls; their latencies in ms. */
async function measure(base: string, requests: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    const res = await fetch(`${base}/api/video/job/job_benchmarknotfound00000000`);
    await res.arrayBuffer();
    if (res.status !== 404) throw new Error(`public API answered ${res.status}`);
    samples.push(performance.now() - started);
  }
  return samples;
}

/** One sign-in as a browser does it (csrf, then the credentials callback); true when a session came back. */
async function signIn(base: string, client: string): Promise<boolean> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((line) => line.split(";")[0])
    .join("; ");
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    // Each bench client is its own address behind the "proxy" (TRUST_PROXY=true).
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, "x-forwarded-for": client },
    body: new URLSearchParams({ csrfToken, email: EMAIL, password: PASSWORD }),
  });
  await res.arrayBuffer();
  return res.headers.getSetCookie().some((line) => line.startsWith("next-auth.session-token="));
}

async function main() {
  const requests = Number(process.argv[2] ?? 200);
  ensureNextBuild();
  const admin = new URL(process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  admin.pathname = `/captioner_bench_signin_${randomBytes(4).toString("hex")}`;
  const databaseUrl = admin.toString();
  await ensureDatabase(databaseUrl);
  migrateDatabase(databaseUrl, true);
  const db = createPrisma(databaseUrl, { max: 1 });
  await upsertUser(db, { email: EMAIL, role: "admin", password: PASSWORD });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app: ChildProcess = spawn(
    path.resolve("node_modules/.bin/next"),
    ["start", "-p", String(port), "-H", "127.0.0.1"],
    {
      stdio: "ignore",
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: databaseUrl,
        REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
        QUEUE_PREFIX: `bench-${randomBytes(4).toString("hex")}`,
        NEXTAUTH_SECRET: randomBytes(24).toString("base64url"),
        NEXTAUTH_URL: base,
        APP_URL: base,
        TRUST_PROXY: "true",
        STORAGE_DRIVER: "local",
        DATA_DIR: path.resolve(".data/bench-sign-in"),
        STORAGE_SIGNING_SECRET: randomBytes(24).toString("base64url"),
        LOG_LEVEL: "warn",
        NEXT_TELEMETRY_DISABLED: "1",
      },
    },
  );
  try {
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error("the app did not start");
      if (
        await fetch(`${base}/api/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await measure(base, 20); // warm up routes and connections
    if (!(await signIn(base, "192.0.2.1"))) throw new Error("the bench user could not sign in");

    const idle = await measure(base, requests);
    let stop = false;
    let signIns = 0;
    const started = performance.now();
    const clients = Array.from({ length: SIGN_IN_CLIENTS }, async (_, i) => {
      while (!stop) if (await signIn(base, `192.0.2.${10 + i}`)) signIns++;
    });
    await new Promise((r) => setTimeout(r, 500)); // let the sign-in load build up
    const loaded = await measure(base, requests);
    stop = true;
    await Promise.all(clients);
    const seconds = (performance.now() - started) / 1000;

    const [idleP50, loadedP50] = [p50(idle), p50(loaded)];
    console.log(`public API p50, idle:                        ${idleP50.toFixed(1)} ms`);
    console.log(`public API p50, ${SIGN_IN_CLIENTS} concurrent sign-ins:       ${loadedP50.toFixed(1)} ms`);
    console.log(`ratio:                                       ${(loadedP50 / idleP50).toFixed(2)}× (goal ≤ 2×)`);
    console.log(`sign-ins completed meanwhile:                ${signIns} (${(signIns / seconds).toFixed(1)}/s)`);
  } finally {
    app.kill("SIGTERM");
    await db.$disconnect();
    const { default: pg } = await import("pg");
    const client = new pg.Client({
      connectionString: process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
    });
    await client.connect();
    await new Promise((r) => setTimeout(r, 500));
    await client.query(`DROP DATABASE IF EXISTS "${admin.pathname.slice(1)}" WITH (FORCE)`);
    await client.end();
  }
}

main().catch((error: Error) => {
  console.error(`bench/sign-in: ${error.message}`);
  process.exit(1);
});
