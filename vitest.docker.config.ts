import { defineConfig } from "vitest/config";

// `npm run test:docker`: the images and compose stacks (tests/docker/). Not part of `npm test`: it needs a
// Docker engine and takes minutes. One file, its tests in order on one stack; no parallelism to share the
// two cores with.
export default defineConfig({
  test: {
    name: "docker",
    include: ["tests/docker/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 1_800_000,
  },
});
