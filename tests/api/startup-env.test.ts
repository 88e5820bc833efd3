import { randomBytes } from "node:crypto";
import path from "node:path";
import { expect, test } from "vitest";
import { freePort, startProcess } from "../support/stack";

// instrumentation.ts validates the app's environment when `next start` boots: a missing variable stops the
// server with one line naming it, instead of a 500 on the first request.

const ROOT = path.resolve(import.meta.dirname, "../..");

test("next start without DATABASE_URL exits non-zero, printing one line that names DATABASE_URL", async () => {
  const port = await freePort();
  const secret = `s3cret-${randomBytes(12).toString("hex")}`;
  const app = startProcess("app", path.join(ROOT, "node_modules/.bin/next"), ["start", "-p", String(port)], {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    ...(process.env.NEXT_DIST_DIR ? { NEXT_DIST_DIR: process.env.NEXT_DIST_DIR } : {}),
    REDIS_URL: "redis://127.0.0.1:6379",
    STORAGE_SIGNING_SECRET: secret,
    NEXTAUTH_SECRET: secret,
  });
  const timer = setTimeout(() => app.child.kill("SIGKILL"), 30_000);
  const exit = await app.exited;
  clearTimeout(timer);

  // A number, not a signal name: the process exited on its own rather than being killed by the timer.
  expect(exit).toBeTypeOf("number");
  expect(exit).not.toBe(0);
  const lines = app
    .output()
    .split("\n")
    .filter((line) => line.includes("DATABASE_URL"));
  expect(lines).toEqual(["captioner: Invalid environment for the app: DATABASE_URL is missing"]);
  expect(app.output()).not.toContain(secret);
});
