import { randomBytes } from "node:crypto";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/logger";
import { createTestDatabase } from "../support/databases";
import { freePort, type ManagedProcess, startProcess, waitFor } from "../support/stack";

// What ends up in `docker compose logs`: one JSON object per line from every process, secrets redacted
// whatever shape they were logged in, and the job id on the lines about a job.

function capture() {
  const lines: Record<string, unknown>[] = [];
  let raw = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger("test", "debug", stream), lines, raw: () => raw };
}

describe("createLogger", () => {
  const secrets = {
    OPENAI_API_KEY: "sk-live-5b7e1d",
    R2_SECRET_ACCESS_KEY: "r2-secret-93ac",
    NEXTAUTH_SECRET: "nextauth-secret-2f4a",
    STORAGE_SIGNING_SECRET: "signing-secret-8d0b",
    DATABASE_URL: "postgresql://captioner:db-pw-61fe@db:5432/captioner",
    REDIS_URL: "rediss://:redis-pw-0c3d@cache:6379",
  };

  it("redacts env-shaped objects logged whole, nested, or two levels down", () => {
    const { log, lines, raw } = capture();
    log.info(secrets, "top level");
    log.info({ env: secrets }, "one level");
    log.info({ config: { env: secrets } }, "two levels");
    for (const value of Object.values(secrets)) expect(raw()).not.toContain(value);
    expect(lines[0]).toMatchObject({ OPENAI_API_KEY: "[redacted]", DATABASE_URL: "[redacted]" });
    expect(lines[2]).toMatchObject({ config: { env: { R2_SECRET_ACCESS_KEY: "[redacted]" } } });
  });

  it("scrubs credentials out of error messages and stacks, as errors or as strings", () => {
    const { log, lines, raw } = capture();
    log.error({ err: new Error(`connect failed: ${secrets.DATABASE_URL}`) }, "db down");
    log.warn({ err: `refused by ${secrets.REDIS_URL}` }, "redis down");
    expect(raw()).not.toContain("db-pw-61fe");
    expect(raw()).not.toContain("redis-pw-0c3d");
    expect(lines[0]?.err).toMatchObject({ message: "connect failed: postgresql://[redacted]@db:5432/captioner" });
    expect(lines[1]?.err).toBe("refused by rediss://[redacted]@cache:6379");
  });

  it("puts the job id and attempt on every line of a job's child logger", () => {
    const { log, lines } = capture();
    const jobLog = log.child({ jobId: "job_abc123", attempt: 2 });
    jobLog.info({ phase: "rendering" }, "stage started");
    jobLog.warn({ code: "RENDER_FAILED" }, "job attempt failed");
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatchObject({ name: "test", jobId: "job_abc123", attempt: 2 });
  });
});

describe("the app (next start)", () => {
  const password = `pw-${randomBytes(4).toString("hex")}`;
  let app: ManagedProcess;
  let baseUrl: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const database = await createTestDatabase();
    drop = database.drop;
    // A database URL whose database is gone: the first query fails, the route answers 500 and logs it.
    const broken = new URL(database.url);
    broken.pathname = `/captioner_gone_${randomBytes(4).toString("hex")}`;
    broken.username = "postgres";
    broken.password = password;
    app = startProcess(
      "app",
      path.resolve(import.meta.dirname, "../../node_modules/.bin/next"),
      ["start", "-p", String(port), "-H", "127.0.0.1"],
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: "production",
        DATABASE_URL: broken.toString(),
        REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
        QUEUE_PREFIX: `test-${randomBytes(4).toString("hex")}`,
        DATA_DIR: path.join("/tmp", `captioner-logs-${randomBytes(4).toString("hex")}`),
        STORAGE_SIGNING_SECRET: randomBytes(24).toString("base64url"),
        NEXTAUTH_SECRET: randomBytes(24).toString("base64url"),
        NEXT_TELEMETRY_DISABLED: "1",
        CAPTIONER_PROCESS: "app",
        ...(process.env.NEXT_DIST_DIR ? { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR } : {}),
      },
    );
    await waitFor(async () => (await fetch(`${baseUrl}/api/health`)).status > 0, {
      what: "next start to answer",
    });
  });

  afterAll(async () => {
    await app?.stop();
    await drop?.();
  });

  it("logs an unhandled route error as one JSON line with the request id, without the password", async () => {
    const res = await fetch(`${baseUrl}/api/video/process`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "logs-test-1" },
      body: JSON.stringify({ key: "uploads/abc/clip.mp4" }),
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("INTERNAL");
    const { requestId } = body.error;
    expect(requestId).toBeTruthy();

    const line = await waitFor(
      async () =>
        app
          .output()
          .split("\n")
          .find((l) => l.includes(requestId)),
      { timeoutMs: 5_000, what: "the error line in the app's output" },
    );
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 50, name: "app", requestId, msg: "unhandled error in API route" });
    expect(app.output()).not.toContain(password);
  });
});
