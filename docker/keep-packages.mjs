// Narrows package.json to the npm packages one image needs, so `npm prune --omit=dev` that follows removes
// everything else from node_modules (the lock file still pins every version). Used by docker/Dockerfile:
//   node docker/keep-packages.mjs docker/worker-packages.txt && npm prune --omit=dev
// A listed name that is not a dependency in package.json fails the build: the lists cannot drift silently.
import { readFileSync, writeFileSync } from "node:fs";

export function readPackageList(file) {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const listFile = process.argv[2];
  if (!listFile) {
    console.error("usage: node docker/keep-packages.mjs LIST_FILE");
    process.exit(2);
  }
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  const keep = readPackageList(listFile);
  // Optional dependencies (platform-specific native modules) stay optional: npm skips them where they
  // cannot install instead of failing the build.
  const from = (name) =>
    pkg.dependencies?.[name] ? "dependencies" : pkg.optionalDependencies?.[name] ? "optionalDependencies" : null;
  const missing = keep.filter((name) => from(name) === null);
  if (missing.length > 0) {
    console.error(`${listFile}: not in package.json dependencies or optionalDependencies: ${missing.join(", ")}`);
    process.exit(1);
  }
  const pick = (field) =>
    Object.fromEntries(keep.filter((name) => from(name) === field).map((n) => [n, pkg[field][n]]));
  // No scripts: the root postinstall (prisma generate) already ran in the deps stage.
  const { scripts: _scripts, devDependencies: _dev, optionalDependencies: _optional, ...rest } = pkg;
  writeFileSync(
    "package.json",
    `${JSON.stringify({ ...rest, dependencies: pick("dependencies"), optionalDependencies: pick("optionalDependencies") }, null, 2)}\n`,
  );
  console.log(`keep-packages: ${keep.length} packages kept`);
}
