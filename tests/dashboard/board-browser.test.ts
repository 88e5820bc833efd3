import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { submitJob, uploadFile } from "../support/api-client";
import { launchChromium } from "../support/browser";
import { makeSilentVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";
import { createStaff, type StaffMember, waitForDashboard } from "./staff";

// An ops member opens /admin/queues in Chromium: the console's page frames the board (through the app's
// proxy, with the same session cookie) and the board shows the captions queue with its backlog.

const SCREENSHOT = path.resolve(import.meta.dirname, "../../test-results/queue-board-ops.png");
const BACKLOG = 3;

let stack: Stack;
let browser: Browser;
let ops: StaffMember;

beforeAll(async () => {
  stack = await startStack({ dashboard: true, worker: false });
  await waitForDashboard(stack);
  ops = await createStaff(stack, "ops");
  // No worker: the jobs wait in the queue, a backlog the board must show.
  const clip = await makeSilentVideo({ durationSec: 1 });
  for (let i = 0; i < BACKLOG; i += 1)
    await submitJob(stack.baseUrl, { key: await uploadFile(stack.baseUrl, clip.path) });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

test("ops sees the captions queue and its waiting jobs inside the console, read-only", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const [name, value] = ops.cookie.split(/=(.*)/s);
  await context.addCookies([
    { name: name ?? "", value: value ?? "", url: stack.baseUrl, httpOnly: true, sameSite: "Lax" },
  ]);
  const page = await context.newPage();
  const refused: string[] = [];
  page.on("response", (res) => {
    if (res.url().startsWith(stack.baseUrl) && res.status() >= 400) refused.push(`${res.status()} ${res.url()}`);
  });

  const res = await page.goto(`${stack.baseUrl}/admin/queues`);
  expect(res?.status()).toBe(200);
  await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Queues");
  const frame = page.frameLocator('iframe[title="Queue board (Bull Board)"]');

  // The overview: the captions queue's card with its backlog, the status tab with its count, and the
  // board's read-only banner.
  await frame.getByText(`${BACKLOG} Jobs`, { exact: true }).waitFor({ timeout: 30_000 });
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text, line by line.
  const overview = await frame.locator("body").innerText();
  expect(overview).toMatch(/^captions$/m);
  expect(overview).toMatch(new RegExp(`WAITING\\s*${BACKLOG}\\b`, "i"));
  expect(overview).toMatch(/read-only/i);
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // The queue's page lists its jobs, each linking back to its page in the console.
  await frame.getByRole("link", { name: "captions", exact: true }).first().click();
  const consoleLinks = frame.getByRole("link", { name: "Open in console" });
  await expect.poll(() => consoleLinks.count(), { timeout: 30_000 }).toBe(BACKLOG);
  const hrefs = await consoleLinks.evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  const jobs = await stack.db.job.findMany({ select: { id: true } });
  expect(hrefs.sort()).toEqual(jobs.map((job) => `/admin/jobs/${job.id}`).sort());
  expect(refused).toEqual([]);
  await context.close();
});

test("every console page, the board included, loads nothing from another host; the board's tabs fit at 1440 px", async () => {
  const admin = await createStaff(stack, "admin");
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const [name, value] = admin.cookie.split(/=(.*)/s);
  await context.addCookies([
    { name: name ?? "", value: value ?? "", url: stack.baseUrl, httpOnly: true, sameSite: "Lax" },
  ]);
  const page = await context.newPage();
  const origin = new URL(stack.baseUrl).origin;
  const elsewhere: string[] = [];
  // Every request of every frame (the board's iframe too), whatever the page or the board asks for.
  page.on("request", (request) => {
    const url = request.url();
    if (!/^(data|blob):/.test(url) && new URL(url).origin !== origin) elsewhere.push(url);
  });
  const [job] = await stack.db.job.findMany({ select: { id: true }, take: 1 });
  for (const path of ["/admin", "/admin/jobs", `/admin/jobs/${job?.id}`, "/admin/audit", "/admin/queues"]) {
    const res = await page.goto(`${stack.baseUrl}${path}`, { waitUntil: "networkidle" });
    expect(res?.status(), path).toBe(200);
  }
  const frame = page.frameLocator('iframe[title="Queue board (Bull Board)"]');
  await frame.getByRole("link", { name: "captions", exact: true }).first().click();
  // Every status tab, FAILED and the last one (DELAYED) included, is inside the frame's width, not cut off.
  for (const tab of [/^failed/i, /^delayed/i]) {
    const link = frame.getByRole("link", { name: tab }).first();
    await link.waitFor({ timeout: 30_000 });
    const box = await link.evaluate((el) => {
      const rect = el.getBoundingClientRect();
      const bar = el.parentElement?.getBoundingClientRect();
      return { right: rect.right, limit: Math.min(window.innerWidth, bar?.right ?? Number.POSITIVE_INFINITY) };
    });
    expect(box.right, String(tab)).toBeLessThanOrEqual(box.limit);
  }
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: SCREENSHOT.replace("ops", "admin-1440") });
  expect(elsewhere).toEqual([]);
  await context.close();
});
