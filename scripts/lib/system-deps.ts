import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

// System packages the stack needs, checked at `npm start` / `npm test`: installed with apt where we can
// (root on Debian), otherwise one line with the exact command to run.

interface Requirement {
  /** What must exist: an executable on PATH or an absolute file path. */
  check: { bin: string } | { file: string };
  /** The Debian package that provides it. */
  aptPackage: string;
  why: string;
}

export const RUNTIME_REQUIREMENTS: Requirement[] = [
  { check: { bin: "ffmpeg" }, aptPackage: "ffmpeg", why: "renders captions into videos" },
  { check: { bin: "ffprobe" }, aptPackage: "ffmpeg", why: "reads media metadata" },
  { check: { bin: "pocketsphinx_continuous" }, aptPackage: "pocketsphinx", why: "offline speech recognition" },
  {
    check: { file: "/usr/share/pocketsphinx/model/en-us/en-us/mdef" },
    aptPackage: "pocketsphinx-en-us",
    why: "English acoustic model for pocketsphinx",
  },
  {
    check: { file: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" },
    aptPackage: "fonts-dejavu-core",
    why: "the caption font",
  },
];

/** Extra packages the test suite uses: flite speaks test scripts, Chromium runs browser tests, docker-compose checks the compose files. */
export const TEST_REQUIREMENTS: Requirement[] = [
  { check: { bin: "flite" }, aptPackage: "flite", why: "speaks test scripts" },
  { check: { bin: "chromium" }, aptPackage: "chromium", why: "browser tests" },
  { check: { bin: "docker-compose" }, aptPackage: "docker-compose", why: "validating docker-compose.yml offline" },
];

function onPath(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
}

function satisfied(req: Requirement): boolean {
  return "bin" in req.check ? onPath(req.check.bin) : existsSync(req.check.file);
}

/**
 * Installs what is missing (as root, with apt-get) or throws with the exact command a human should run.
 */
export function ensureSystemPackages(requirements: Requirement[], log: (line: string) => void = console.log): void {
  const missing = requirements.filter((r) => !satisfied(r));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((r) => r.aptPackage))];
  const command = `apt-get install -y --no-install-recommends ${packages.join(" ")}`;
  const canInstall = process.getuid?.() === 0 && onPath("apt-get");
  if (!canInstall) {
    throw new Error(`missing system packages (${missing.map((r) => r.why).join(", ")}): run  sudo ${command}`);
  }
  log(`Installing system packages: ${packages.join(" ")} (needed for ${missing.map((r) => r.why).join(", ")})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  if (update.status !== 0) throw new Error("apt-get update failed");
  const install = spawnSync("sh", ["-c", `${command} -qq`], { stdio: "inherit", env });
  if (install.status !== 0) throw new Error(`apt-get install failed: run  ${command}`);
  const still = requirements.filter((r) => !satisfied(r));
  if (still.length > 0) throw new Error(`still missing after install: ${still.map((r) => r.aptPackage).join(", ")}`);
}
