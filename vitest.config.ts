import path from "node:path";
import { defineConfig } from "vitest/config";

// Two projects: fast unit tests beside the code, and integration/e2e suites under tests/ that run the
// real stack (Postgres, Redis, next start, worker processes, ffmpeg, pocketsphinx). Each integration file
// gets its own database (cloned from a migrated template), data dir and queue prefix, so files can run
// in parallel without seeing each other's jobs.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    pool: "forks",
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "lib/**/*.test.ts",
            "worker/**/*.test.ts",
            "prisma/**/*.test.ts",
            "scripts/**/*.test.ts",
            "tests/support/**/*.test.ts",
            "dashboard/**/*.test.ts",
          ],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/**/*.test.ts"],
          // tests/docker/ is `npm run test:docker` (vitest.docker.config.ts): it needs a Docker engine.
          exclude: ["tests/support/**", "tests/docker/**"],
          globalSetup: ["tests/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
