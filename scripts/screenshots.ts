// `npm run screenshots -- [--url http://127.0.0.1:3000] [--out docs/screenshots]`: pictures of the main pages
// for the README, taken with Debian's Chromium from a running stack (`npm start` in another terminal).
// It captions a short spoken clip first (made with flite and ffmpeg, as the tests do), so the job pages
// have something to show, then signs in as ADMIN_EMAIL / ADMIN_PASSWORD (`npm start` prints them).
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import { isFinal } from "../lib/client/poll-job";
import { fetchJob, newIdempotencyKey, requestUpload, startProcessing } from "../lib/client/video-api";
import { launchChromium } from "../tests/support/browser";
import { makeSpeechVideo } from "../tests/support/make-media";

const SCRIPT =
  "Welcome to the quarterly review. Sales grew in every region, and the new studio opens next month. Questions are welcome at the end.";
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 360, height: 740 };

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:3000" },
    out: { type: "string", default: "docs/screenshots" },
    email: { type: "string", default: process.env.ADMIN_EMAIL },
    password: { type: "string", default: process.env.ADMIN_PASSWORD },
  },
});
const baseUrl = (values.url ?? "").replace(/\/$/, "");
const outDir = path.resolve(values.out ?? "docs/screenshots");

async function captionSample(): Promise<string> {
  const clip = await makeSpeechVideo({ script: SCRIPT });
  const body = await readFile(clip.path);
  const ticket = await requestUpload(baseUrl, {
    filename: "quarterly-review.mp4",
    contentType: "video/mp4",
    size: body.length,
  });
  const put = await fetch(ticket.uploadUrl, { method: "PUT", headers: ticket.headers, body });
  if (!put.ok) throw new Error(`upload refused: ${put.status} ${await put.text()}`);
  const job = await startProcessing(baseUrl, ticket.key, { language: "en", burnIn: true }, newIdempotencyKey());
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    const state = await fetchJob(baseUrl, job.id);
    if (isFinal(state.status)) {
      if (state.status !== "completed") throw new Error(`the sample job ${state.status}: ${state.error?.code}`);
      return job.id;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("the sample job did not finish within 5 minutes: is a worker running?");
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: name.endsWith("360") });
  console.log(`[screenshots] ${path.relative(process.cwd(), file)}`);
}

async function main(): Promise<void> {
  if (!values.email || !values.password) {
    throw new Error("set ADMIN_EMAIL and ADMIN_PASSWORD (or --email/--password) to an admin of the running stack");
  }
  await mkdir(outDir, { recursive: true });
  console.log(`[screenshots] captioning a sample clip through ${baseUrl}…`);
  const jobId = await captionSample();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    for (const [suffix, viewport] of [
      ["1440", WIDE],
      ["360", PHONE],
    ] as const) {
      const page = await (await browser.newContext({ viewport, baseURL: baseUrl })).newPage();
      await page.goto("/");
      await shoot(page, `home-${suffix}`);
      await page.goto(`/jobs/${jobId}`);
      await shoot(page, `job-${suffix}`);
      await page.goto("/signin?callbackUrl=%2Fadmin");
      await page.getByLabel("Email").fill(values.email);
      await page.getByLabel("Password").fill(values.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => url.pathname === "/admin");
      await shoot(page, `admin-overview-${suffix}`);
      await page.goto("/admin/jobs");
      await shoot(page, `admin-jobs-${suffix}`);
      await page.goto(`/admin/jobs/${jobId}`);
      await shoot(page, `admin-job-${suffix}`);
      if (suffix === "1440") {
        await page.goto("/admin/queues");
        await page.frameLocator("iframe").getByText("captions").first().waitFor();
        await shoot(page, "admin-queues-1440");
        await page.goto("/admin/audit");
        await shoot(page, "admin-audit-1440");
      }
      await page.context().close();
    }
  } finally {
    await browser?.close();
  }
}

main().catch((error: Error) => {
  console.error(`[screenshots] ${error.message}`);
  process.exit(1);
});
