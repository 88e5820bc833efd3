import { type Browser, chromium } from "playwright-core";

// Debian's Chromium driven by playwright-core (its own browser download is impossible offline). The flags
// keep it headless as root and stop it calling home: the machine has no network, and every refused
// background connection would slow it down.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/** `extraArgs` e.g. `--host-resolver-rules=MAP captioner.test 127.0.0.1` to open the app under a made-up name. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: [...CHROMIUM_ARGS, ...extraArgs] });
}
