import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaff, type Role, type StaffMember } from "../dashboard/staff";
import { submitJob, uploadFile, waitForJob } from "../support/api-client";
import { launchChromium } from "../support/browser";
import { makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";
import { makeJobRow } from "./staff-sessions";

// Job thumbnails in the console, in Debian's Chromium: a real job's frame (captured by the worker) on its
// row and its page, at 1440×900 and 360×740; a neutral placeholder of the same size for jobs without one;
// the image route refuses anyone without a console session; nothing comes from another host; and the list
// refreshing itself every 5 s never downloads a thumbnail again.

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-results", "admin");
const SCRIPT = "Every row in the console shows a frame of the finished video, with its captions.";

let stack: Stack;
let browser: Browser;
let staff: Record<Role, StaffMember>;
let realJob: string;
let queuedJob: string;
let olderJob: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({ workerEnv: { TRANSCRIBER: "pocketsphinx" } }),
    launchChromium(),
    mkdir(ARTIFACTS, { recursive: true }),
  ]);
  const clip = await makeSpeechVideo({ script: SCRIPT, width: 640, height: 360 });
  realJob = await submitJob(stack.baseUrl, { key: await uploadFile(stack.baseUrl, clip.path), burnIn: true });
  const done = await waitForJob(stack.baseUrl, realJob, { timeoutMs: 180_000 });
  expect(done.status, JSON.stringify(done.error)).toBe("completed");
  // Jobs without a thumbnail: one still queued, one completed before thumbnails existed.
  queuedJob = await makeJobRow(stack, "queued", { originalFilename: "waiting.mp4" });
  olderJob = await makeJobRow(stack, "completed", { originalFilename: "from-last-year.mp4" });
  staff = {
    admin: await createStaff(stack, "admin"),
    support: await createStaff(stack, "support"),
    ops: await createStaff(stack, "ops"),
  };
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function thumbnailPath(jobId: string): Promise<string> {
  const row = await stack.db.job.findUniqueOrThrow({ where: { id: jobId } });
  const version = row.thumbnailKey?.match(/-(\d+)\.jpg$/)?.[1];
  expect(version).toBeDefined();
  return `/api/admin/jobs/${jobId}/thumbnail?v=${version}`;
}

interface Watched {
  context: BrowserContext;
  page: Page;
  errors: string[];
  /** Requests that left the app's origin. */
  elsewhere: string[];
  /** Thumbnail responses that came over the network (not from the browser's cache). */
  downloads: string[];
}

/** A signed-in browser at `viewport`, recording errors, outside requests and thumbnail downloads. */
async function consoleBrowser(member: StaffMember, viewport: { width: number; height: number }): Promise<Watched> {
  const context = await browser.newContext({ viewport, baseURL: stack.baseUrl });
  const [name, value] = member.cookie.split(/=(.*)/s);
  await context.addCookies([
    { name: name ?? "", value: value ?? "", url: stack.baseUrl, httpOnly: true, sameSite: "Lax" },
  ]);
  const page = await context.newPage();
  const watched: Watched = { context, page, errors: [], elsewhere: [], downloads: [] };
  page.on("pageerror", (error) => watched.errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") watched.errors.push(`${message.text()} ${message.location().url}`);
  });
  const origin = new URL(stack.baseUrl).origin;
  page.on("request", (request) => {
    const url = request.url();
    if (!/^(data|blob):/.test(url) && new URL(url).origin !== origin) watched.elsewhere.push(url);
  });
  // Chromium's own view of the network: a response it read from its cache (memory or disk: CDP flags the
  // request as served from cache, or the response as from disk) is not a download.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const fromCache = new Set<string>();
  cdp.on("Network.requestServedFromCache", (event) => fromCache.add(event.requestId));
  cdp.on("Network.responseReceived", (event) => {
    const { url, status, fromDiskCache, fromServiceWorker, fromPrefetchCache } = event.response;
    if (!url.includes("/thumbnail") || fromCache.has(event.requestId)) return;
    if (fromDiskCache || fromServiceWorker || fromPrefetchCache) return;
    watched.downloads.push(`${status} ${new URL(url).pathname}`);
  });
  return watched;
}

/** The row of a job in the list. */
function row(page: Page, jobId: string) {
  return page.locator("tbody tr", { has: page.getByRole("link", { name: jobId, exact: true }) });
}

/** Waits until an <img> has really decoded a picture (lazy images load once scrolled into view). */
async function loadedImage(page: Page, selector: ReturnType<Page["locator"]>) {
  await selector.scrollIntoViewIfNeeded();
  await page.waitForFunction(
    (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0,
    await selector.elementHandle(),
    { timeout: 20_000 },
  );
  return selector.evaluate((img: HTMLImageElement) => ({
    naturalWidth: img.naturalWidth,
    naturalHeight: img.naturalHeight,
    loading: img.loading,
    src: new URL(img.src).pathname + new URL(img.src).search,
  }));
}

const boxOf = (locator: ReturnType<Page["locator"]>) =>
  locator.evaluate((el) => {
    const rect = el.getBoundingClientRect();
    return { width: Math.round(rect.width), height: Math.round(rect.height) };
  });

describe("job thumbnails in the console", () => {
  it("the image route: 401 without a session, the JPEG for every console role, cached per version", async () => {
    const url = `${stack.baseUrl}${await thumbnailPath(realJob)}`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: { code: "UNAUTHORIZED", message: "Sign in to use the admin API." },
    });
    for (const role of ["admin", "support", "ops"] as const) {
      const res = await fetch(url, { headers: { cookie: staff[role].cookie } });
      expect(res.status, role).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/jpeg");
      expect(res.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      const etag = res.headers.get("etag") ?? "";
      const again = await fetch(url, { headers: { cookie: staff[role].cookie, "if-none-match": etag } });
      expect(again.status).toBe(304);
    }
    // An old version's URL still answers (with the latest frame) but is not cached for long.
    const stale = await fetch(url.replace(/v=\d+/, "v=1"), { headers: { cookie: staff.ops.cookie } });
    expect(stale.status).toBe(200);
    expect(stale.headers.get("cache-control")).toBe("private, no-cache");
    const none = await fetch(`${stack.baseUrl}/api/admin/jobs/${queuedJob}/thumbnail`, {
      headers: { cookie: staff.admin.cookie },
    });
    expect(none.status).toBe(404);
  });

  it("at 1440×900: the row and the job page show the frame, placeholders keep the same box, and refreshing downloads nothing again", async () => {
    const { context, page, errors, elsewhere, downloads } = await consoleBrowser(staff.admin, {
      width: 1440,
      height: 900,
    });
    await page.goto("/admin/jobs", { waitUntil: "networkidle" });
    const image = row(page, realJob).locator(".adm-thumb img");
    const loaded = await loadedImage(page, image);
    expect(loaded).toMatchObject({ naturalWidth: 320, naturalHeight: 180, loading: "lazy" });
    expect(loaded.src).toBe(await thumbnailPath(realJob));

    // Jobs without a thumbnail: a neutral placeholder in a box of the same size, named for screen readers.
    const queued = row(page, queuedJob).getByRole("img", { name: "No thumbnail yet" });
    const older = row(page, olderJob).getByRole("img", { name: "No thumbnail", exact: true });
    await expect(queued.isVisible()).resolves.toBe(true);
    await expect(older.isVisible()).resolves.toBe(true);
    const box = await boxOf(row(page, realJob).locator(".adm-thumb"));
    expect(box).toEqual({ width: 96, height: 54 });
    expect(await boxOf(queued)).toEqual(box);
    expect(await boxOf(older)).toEqual(box);
    // The thumbnail column costs no horizontal scroll at this width.
    const wrap = page.locator(".adm-table-wrap");
    expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "jobs-thumbnails-1440.png") });

    // Two automatic refreshes (every 5 s): the rows re-render, the thumbnail is not fetched again.
    const firstDownloads = downloads.length;
    expect(firstDownloads).toBe(1);
    // (The refresh is a server-component fetch of /admin/jobs itself.)
    await page.waitForResponse((res) => new URL(res.url()).pathname === "/admin/jobs", { timeout: 15_000 });
    await page.waitForResponse((res) => new URL(res.url()).pathname === "/admin/jobs", { timeout: 15_000 });
    await page.waitForTimeout(1_000);
    expect(downloads).toHaveLength(firstDownloads);

    // The job page, loaded as a new document (not a client-side navigation, which would reuse the list's
    // image in memory anyway): the same frame, from the browser's cache.
    await page.goto(`/admin/jobs/${realJob}`, { waitUntil: "networkidle" });
    const pageImage = page.getByRole("region", { name: "Summary" }).getByRole("img", {
      name: "A frame of the captioned video",
    });
    expect(await loadedImage(page, pageImage)).toMatchObject({ naturalWidth: 320, naturalHeight: 180 });
    expect(await boxOf(page.locator(".adm-thumb[data-size=page]"))).toEqual({ width: 320, height: 180 });
    await page.screenshot({ path: path.join(ARTIFACTS, "job-thumbnail-1440.png") });
    // A reload and the list again: still the one download.
    await page.reload({ waitUntil: "networkidle" });
    await loadedImage(page, pageImage);
    await page.goto("/admin/jobs", { waitUntil: "networkidle" });
    await loadedImage(page, row(page, realJob).locator(".adm-thumb img"));
    expect(downloads).toEqual([`200 /api/admin/jobs/${realJob}/thumbnail`]);

    // A job without one: the page shows the placeholder in the same place.
    await page.goto(`/admin/jobs/${olderJob}`, { waitUntil: "networkidle" });
    await expect(
      page.getByRole("region", { name: "Summary" }).getByRole("img", { name: "No thumbnail", exact: true }).isVisible(),
    ).resolves.toBe(true);
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("at 360×740 (ops): the row and the job page show the frame, the placeholder shows, nothing overflows", async () => {
    const { context, page, errors, elsewhere } = await consoleBrowser(staff.ops, { width: 360, height: 740 });
    await page.goto("/admin/jobs", { waitUntil: "networkidle" });
    const loaded = await loadedImage(page, row(page, realJob).locator(".adm-thumb img"));
    expect(loaded).toMatchObject({ naturalWidth: 320, naturalHeight: 180 });
    const placeholder = row(page, queuedJob).getByRole("img", { name: "No thumbnail yet" });
    await expect(placeholder.isVisible()).resolves.toBe(true);
    // Smaller on a phone, the placeholder the same size as the picture.
    const box = await boxOf(row(page, realJob).locator(".adm-thumb"));
    expect(box).toEqual({ width: 64, height: 36 });
    expect(await boxOf(placeholder)).toEqual(box);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "jobs-thumbnails-360.png"), fullPage: true });

    await page.goto(`/admin/jobs/${realJob}`, { waitUntil: "networkidle" });
    const pageImage = page.getByRole("img", { name: "A frame of the captioned video" });
    expect(await loadedImage(page, pageImage)).toMatchObject({ naturalWidth: 320 });
    // On a phone the box fits the screen, keeping 16:9.
    const pageBox = await boxOf(page.locator(".adm-thumb[data-size=page]"));
    expect(pageBox.width).toBeLessThanOrEqual(360);
    expect(Math.abs(pageBox.width / pageBox.height - 16 / 9)).toBeLessThan(0.05);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "job-thumbnail-360.png"), fullPage: true });
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
