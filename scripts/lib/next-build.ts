import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

// `next start` serves the last `next build`; rebuild only when a source the app bundles changed since.
const SOURCES = [
  "app",
  "lib",
  "components",
  "middleware.ts",
  "next.config.ts",
  "instrumentation.ts",
  "package-lock.json",
];

function newestMtime(entry: string): number {
  if (!existsSync(entry)) return 0;
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const child of readdirSync(entry)) {
    // Tests are not part of the app bundle: editing one must not trigger a rebuild.
    if (child === "node_modules" || child.startsWith(".") || child.endsWith(".test.ts")) continue;
    newest = Math.max(newest, newestMtime(path.join(entry, child)));
  }
  return newest;
}

export function nextBuildIsStale(): boolean {
  const buildId = path.join(process.env.NEXT_DIST_DIR ?? ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return SOURCES.some((source) => newestMtime(source) > built);
}

/** Runs `next build` when the sources changed since the last build. */
export function ensureNextBuild(log: (line: string) => void = console.log): void {
  if (!nextBuildIsStale()) return;
  log("Building the web app (next build, ~30 s on 2 cores)…");
  const result = spawnSync(path.resolve("node_modules/.bin/next"), ["build"], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error("next build failed");
}
