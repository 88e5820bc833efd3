import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { newJobId } from "../../lib/ids";
import { submitJob, uploadFile, waitForJob } from "../support/api-client";
import { launchChromium } from "../support/browser";
import { makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";
import { makeJobRow } from "./staff-sessions";

// The console in a real browser (Debian's Chromium driven by playwright-core): an admin signs in, finds
// a job that really failed by its error code, reads the error, retries it and watches it complete; support
// reads the same error but has no retry button, and the API refuses it too.

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-results", "admin");
const SCRIPT = "The quarterly report is ready for review on the shared drive.";

let stack: Stack;
let browser: Browser;
let failedJob: string;
let decoyJob: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({ worker: false }),
    launchChromium(),
    mkdir(ARTIFACTS, { recursive: true }),
  ]);
  await upsertUser(stack.db, { email: "admin@console.test", role: "admin", password: "admin-password-1" });
  await upsertUser(stack.db, { email: "support@console.test", role: "support", password: "support-password-1" });

  // A job that fails for real: a worker that refuses anything over 1 s of media (TOO_LONG, permanent).
  const clip = await makeSpeechVideo({ script: SCRIPT });
  failedJob = await submitJob(stack.baseUrl, { key: await uploadFile(stack.baseUrl, clip.path) });
  const strict = await stack.startWorker({ MAX_DURATION_SEC: "1" });
  const failed = await waitForJob(stack.baseUrl, failedJob, { timeoutMs: 60_000 });
  expect(failed.error?.code).toBe("TOO_LONG");
  await strict.stop();
  await stack.startWorker();
  // Others the filter must leave out.
  decoyJob = await makeJobRow(stack, "failed", { errorCode: "RENDER_FAILED", originalFilename: "decoy.mp4" });
  await makeJobRow(stack, "completed");
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A fresh browser profile signed in through the sign-in page, starting from a console URL. */
async function signedInPage(
  email: string,
  password: string,
  start: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport, baseURL: stack.baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${message.text()} ${message.location().url}`);
  });

  await page.goto(start);
  // No session yet: the console sends the browser to sign in, and back here afterwards.
  expect(new URL(page.url()).pathname).toBe("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === start.split("?")[0]);
  return { page, errors };
}

describe("admin console in a browser", () => {
  it("support sees the error detail but cannot retry, and the retry route answers 403", async () => {
    const { page, errors } = await signedInPage(
      "support@console.test",
      "support-password-1",
      `/admin/jobs/${failedJob}`,
    );
    const panel = page.getByRole("region", { name: /Error TOO_LONG/ });
    await expect(panel.textContent()).resolves.toContain("longer than the limit");
    await expect(panel.textContent()).resolves.toContain("maxDurationSec");
    // TOO_LONG is permanent: the panel says no other attempt came, instead of a bare "1 of 3".
    await expect(panel.textContent()).resolves.toMatch(/Attempt1 of \d+ — not retried: permanent error/);
    await expect(panel.textContent()).resolves.toContain("Permanent error");
    const summary = page.getByRole("region", { name: "Summary" });
    await expect(summary.textContent()).resolves.toContain("Runs1");
    await expect(summary.textContent()).resolves.toContain("Attempts1 in this run");
    // A failed job shows how long it ran before failing.
    await expect(summary.textContent()).resolves.toMatch(/Processing time[\d.]+ (ms|s)/);
    expect(await page.getByRole("button", { name: "Retry job" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "job-failed-support.png"), fullPage: true });
    // (Checked before the refused fetch below, which Chromium logs as a failed resource load.)
    expect(errors).toEqual([]);

    // The browser itself sends the request (same origin, with its session cookie): refused by role.
    const answer = await page.evaluate(async (id) => {
      const res = await fetch(`/api/admin/jobs/${id}/retry`, { method: "POST" });
      return { status: res.status, body: await res.json() };
    }, failedJob);
    expect(answer).toEqual({
      status: 403,
      body: { error: { code: "FORBIDDEN", message: "The support role is not allowed to do this." } },
    });
    expect((await stack.db.job.findUniqueOrThrow({ where: { id: failedJob } })).status).toBe("failed");
    await page.context().close();
  });

  it("admin finds the failed job by its error code, reads the error, retries it and sees it complete", async () => {
    const { page, errors } = await signedInPage("admin@console.test", "admin-password-1", "/admin");
    await expect(page.getByRole("heading", { name: "Latest failures" }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, "overview.png"), fullPage: true });

    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.waitForURL("**/admin/jobs");
    await page.getByLabel("Error code").selectOption("TOO_LONG");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((url) => url.searchParams.get("code") === "TOO_LONG");
    const rows = page.locator("table tbody tr");
    expect(await rows.count()).toBe(1);
    await expect(page.getByRole("link", { name: decoyJob }).count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "jobs-filtered.png"), fullPage: true });

    await page.getByRole("link", { name: failedJob }).click();
    await page.waitForURL(`**/admin/jobs/${failedJob}`);
    const panel = page.getByRole("region", { name: /Error TOO_LONG/ });
    await expect(panel.textContent()).resolves.toContain("maxDurationSec");
    await page.screenshot({ path: path.join(ARTIFACTS, "job-failed-admin.png"), fullPage: true });

    await page.getByRole("button", { name: "Retry job" }).click();
    // Retrying a permanent failure warns that the same input fails the same way.
    await expect(page.getByText(/a permanent error: the same input will fail the same way/).isVisible()).resolves.toBe(
      true,
    );
    const confirm = page.getByRole("button", { name: "Yes, retry" });
    // The confirmation takes the focus, so a keyboard user answers it straight away.
    await expect(confirm.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, "job-retry-confirm.png") });
    await confirm.click();
    // The page refreshes itself while the job runs; the result player appears when it completes.
    const video = page.locator("video");
    await video.waitFor({ timeout: 90_000 });
    await expect(page.locator("h1 .adm-badge").textContent()).resolves.toBe("Completed");
    expect(await page.getByRole("region", { name: /Error/ }).count()).toBe(0);
    expect(await video.locator('track[kind="captions"]').count()).toBe(1);
    // Burned in: the player's caption track stays off, or the captions would show twice.
    expect(await video.locator("track").getAttribute("default")).toBeNull();
    expect(await video.evaluate((v: HTMLVideoElement) => v.textTracks[0]?.mode)).not.toBe("showing");
    await expect(page.getByRole("region", { name: "Summary" }).textContent()).resolves.toContain(
      "Runs2 (1 started by an admin)",
    );
    const vttUrl = await video.locator("track").getAttribute("src");
    const vtt = await page.evaluate(async (url) => (await fetch(url ?? "")).text(), vttUrl);
    expect(vtt).toMatch(/^WEBVTT/);
    expect(vtt.toLowerCase()).toContain("report");
    await expect(page.getByRole("link", { name: "Download MP4" }).isVisible()).resolves.toBe(true);
    await expect(page.getByText(/^Recognised by /).textContent()).resolves.toBe(
      "Recognised by pocketsphinx (en-us) · punctuation guessed from pauses.",
    );
    // The timeline keeps the old error; the audit trail names who retried.
    await expect(page.locator('tr[data-event="failed"]').textContent()).resolves.toContain("TOO_LONG");
    await expect(page.getByRole("region", { name: "Admin actions" }).textContent()).resolves.toContain(
      "admin@console.test",
    );
    await page.screenshot({ path: path.join(ARTIFACTS, "job-completed-after-retry.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("a canceled job names who canceled it; an error without detail does not claim it is hidden", async () => {
    const queued = await makeJobRow(stack, "queued", { originalFilename: "to-cancel.mp4" });
    const bare = newJobId();
    await stack.db.job.create({
      data: {
        id: bare,
        status: "failed",
        inputKey: `uploads/fixture/${bare}.mp4`,
        errorCode: "INTERNAL",
        errorMessage: "Something went wrong on our side.",
        startedAt: new Date(Date.now() - 65_000),
        finishedAt: new Date(),
      },
    });
    const { page, errors } = await signedInPage("admin@console.test", "admin-password-1", `/admin/jobs/${queued}`);
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.getByRole("button", { name: "Yes, cancel it" }).click();
    await page.locator("h1 .adm-badge", { hasText: "Canceled" }).waitFor();
    await expect(page.getByRole("region", { name: "Summary" }).textContent()).resolves.toContain(
      "Canceled byadmin@console.test",
    );
    const panel = page.getByRole("region", { name: /Error CANCELED/ });
    await expect(panel.textContent()).resolves.toContain("Canceled by admin@console.test.");
    await expect(panel.textContent()).resolves.not.toContain("Permanent error");

    await page.goto(`/admin/jobs/${bare}`);
    const barePanel = page.getByRole("region", { name: /Error INTERNAL/ });
    await expect(barePanel.textContent()).resolves.toContain("No further detail was recorded");
    await expect(barePanel.textContent()).resolves.not.toContain("shown to support and admins");
    await expect(page.getByRole("region", { name: "Summary" }).textContent()).resolves.toContain(
      "Processing time1 min 05 s",
    );

    // The audit log reads as sentences, filters by action, and never breaks a job id across lines.
    await page.goto("/admin/audit");
    await expect(page.locator("tbody").textContent()).resolves.toContain(
      `admin@console.test canceled job ${queued} while it was queued.`,
    );
    await page.getByLabel("Action").selectOption("job.cancel");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((url) => url.searchParams.get("action") === "job.cancel");
    const actions = await page
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(["job.cancel"]));
    await page.setViewportSize({ width: 360, height: 780 });
    const link = page.getByRole("link", { name: queued });
    expect(await link.evaluate((a) => a.getClientRects().length)).toBe(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("the jobs list fits 1440 px and shows new jobs and status changes without a reload", async () => {
    const { page, errors } = await signedInPage("admin@console.test", "admin-password-1", "/admin/jobs", {
      width: 1440,
      height: 900,
    });
    // On a wide screen the filters are simply there, with no toggle.
    await expect(page.getByLabel("Search").isVisible()).resolves.toBe(true);
    await expect(page.locator("summary", { hasText: "Filters" }).isVisible()).resolves.toBe(false);
    // Every column is on screen: the table needs no horizontal scroll at this width.
    const wrap = page.locator(".adm-table-wrap");
    expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    // Times read as "… ago", with the exact time on hover.
    const created = page.locator("tbody tr time").first();
    await expect(created.textContent()).resolves.toMatch(/ago|just now/);
    await expect(created.getAttribute("title")).resolves.toMatch(/UTC/);

    const fresh = await makeJobRow(stack, "queued", { originalFilename: "arrives-live.mp4" });
    const row = page.locator("tbody tr", { has: page.getByRole("link", { name: fresh }) });
    await row.waitFor({ timeout: 20_000 });
    await expect(row.textContent()).resolves.toContain("Queued");
    await stack.db.job.update({
      where: { id: fresh },
      data: { status: "processing", phase: "rendering", progress: 61 },
    });
    await page.waitForFunction(
      (id) => document.querySelector(`a[href="/admin/jobs/${id}"]`)?.closest("tr")?.textContent?.includes("61%"),
      fresh,
      { timeout: 20_000 },
    );
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("at another host name than NEXTAUTH_URL's, signing in and out stays on that host", async () => {
    // The stack's NEXTAUTH_URL is http://127.0.0.1:<port>; the browser uses localhost, as a LAN user would
    // use the server's name: sign-out must not send them to 127.0.0.1 (their own machine).
    const other = stack.baseUrl.replace("127.0.0.1", "localhost");
    const context = await browser.newContext({ baseURL: other });
    const page = await context.newPage();
    await page.goto("/admin");
    await page.getByLabel("Email").fill("admin@console.test");
    await page.getByLabel("Password").fill("admin-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/admin");
    expect(new URL(page.url()).host).toBe(new URL(other).host);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === "/signin");
    expect(new URL(page.url()).host).toBe(new URL(other).host);
    // Signed out for real: the console sends the browser back to sign in.
    await page.goto("/admin");
    expect(new URL(page.url()).pathname).toBe("/signin");
    await context.close();
  });

  it("reads well at phone width", async () => {
    const { page, errors } = await signedInPage("admin@console.test", "admin-password-1", "/admin/jobs", {
      width: 360,
      height: 780,
    });
    // The filters fold away on a phone and open with one tap.
    const search = page.getByLabel("Search");
    await expect.poll(() => search.isVisible()).toBe(false);
    await page.locator("summary", { hasText: "Filters" }).click();
    await expect.poll(() => search.isVisible()).toBe(true);
    await expect(page.title()).resolves.toBe("Jobs · Captioner admin");
    // Nothing but the table's own scroller is wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "jobs-360.png"), fullPage: true });
    await page.goto(`/admin/jobs/${failedJob}`);
    await expect(page.title()).resolves.toBe(`Job ${failedJob} · Captioner admin`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "job-360.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
