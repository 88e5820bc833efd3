import { mkdir } from "node:fs/promises";
import path from "node:path";
import { Redis } from "ioredis";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import {
  createMaintenanceQueue,
  DAY_MS,
  RETENTION_JOB_NAME,
  RETENTION_SCHEDULER_ID,
  sweepRetention,
} from "../../lib/jobs/retention";
import { createLogger } from "../../lib/logger";
import { LocalStorage } from "../../lib/storage";
import { launchChromium } from "../support/browser";
import { type Stack, startStack, waitFor } from "../support/stack";
import { existing, type StoredJob, storedJob } from "../support/stored-job";

// Retention in the console, in Debian's Chromium at 1440x900: an admin purges a completed job through the
// confirm step and the page then says the files are gone; a failed job whose input retention deleted shows
// why it cannot run instead of a retry button that would fail; ops sees no purge button.

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-results", "admin");
const VIEWPORT = { width: 1440, height: 900 };

let stack: Stack;
let browser: Browser;
let storage: LocalStorage;
let completed: StoredJob;
let failed: StoredJob;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({ worker: false }),
    launchChromium(),
    mkdir(ARTIFACTS, { recursive: true }),
  ]);
  storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
  await upsertUser(stack.db, { email: "admin@retention.test", role: "admin", password: "admin-password-1" });
  await upsertUser(stack.db, { email: "ops@retention.test", role: "ops", password: "ops-password-1" });
  const t0 = new Date(Date.now() - 60_000);
  failed = await storedJob(stack.db, storage, { status: "failed", finishedAt: t0 });
  await sweepRetention(
    { db: stack.db, storage, log: createLogger("retention-browser", "silent") },
    { inputDays: 7, outputDays: 30 },
    new Date(t0.getTime() + 8 * DAY_MS),
  );
  // After the sweep: that clock is 8 days ahead, and would have taken this job's input too.
  completed = await storedJob(stack.db, storage, { status: "completed", finishedAt: new Date(), versions: 2 });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signedInPage(email: string, password: string, start: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT, baseURL: stack.baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(start);
  expect(new URL(page.url()).pathname).toBe("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === start.split("?")[0]);
  return { page, errors };
}

describe("retention in the console (1440x900)", () => {
  it("admin purges a completed job after confirming; the page then shows it expired, with no downloads", async () => {
    const { page, errors } = await signedInPage(
      "admin@retention.test",
      "admin-password-1",
      `/admin/jobs/${completed.id}`,
    );
    expect(await page.getByRole("link", { name: "Download MP4" }).count()).toBe(1);
    await page.getByRole("button", { name: "Purge files" }).click();
    // The confirm step says what goes, before anything is sent.
    await expect(page.getByText(/Delete this job's uploaded video, every output/).isVisible()).resolves.toBe(true);
    expect(await existing(storage, [completed.inputKey, ...completed.outputKeys])).toHaveLength(7);
    await page.screenshot({ path: path.join(ARTIFACTS, "purge-confirm.png") });
    await page.getByRole("button", { name: "Yes, delete them" }).click();

    const panel = page.getByRole("region", { name: "Files deleted" });
    await panel.waitFor({ timeout: 15_000 });
    await expect(panel.textContent()).resolves.toContain("This job's files were deleted by an administrator.");
    await expect(page.locator("h1 .adm-badge").textContent()).resolves.toBe("Expired");
    expect(await page.getByRole("button", { name: "Purge files" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Download MP4" }).count()).toBe(0);
    // The timeline and the admin actions say who did it.
    await expect(page.getByRole("region", { name: "Admin actions" }).textContent()).resolves.toContain(
      "admin@retention.test purged job",
    );
    expect(await existing(storage, [completed.inputKey, ...completed.outputKeys])).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, "purged-job.png"), fullPage: true });

    // The list's status filter finds it.
    await page.goto("/admin/jobs?status=expired");
    expect(await page.getByRole("link", { name: completed.id }).count()).toBe(1);
    expect(await page.getByRole("link", { name: failed.id }).count()).toBe(0);

    // The submitter's own page (public) says the same, without download links.
    await page.goto(`/jobs/${completed.id}`);
    await page.getByRole("heading", { name: "This job's files were deleted" }).waitFor({ timeout: 15_000 });
    await expect(page.getByRole("status").allTextContents()).resolves.toContain(
      "This job's files were deleted by an administrator.",
    );
    expect(await page.getByRole("link", { name: /Download/ }).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "purged-job-public.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("a failed job whose input was deleted shows why it cannot run instead of a retry button", async () => {
    const { page, errors } = await signedInPage("admin@retention.test", "admin-password-1", `/admin/jobs/${failed.id}`);
    expect(await page.getByRole("button", { name: "Retry job" }).count()).toBe(0);
    const panel = page.getByRole("region", { name: "Uploaded video deleted" });
    await expect(panel.textContent()).resolves.toMatch(
      /The uploaded video was deleted on \d{4}-\d{2}-\d{2} under the retention policy, so this job cannot run again/,
    );
    await expect(page.getByRole("region", { name: "Input" }).textContent()).resolves.toContain("Deleted");
    await page.screenshot({ path: path.join(ARTIFACTS, "input-expired-job.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("ops sees the job and when retention will delete its files, but no purge button", async () => {
    const other = await storedJob(stack.db, storage, { status: "completed", finishedAt: new Date() });
    // The schedule a worker writes (none runs here): the page reads its policy for the deadlines.
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    const queue = createMaintenanceQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    await queue.upsertJobScheduler(
      RETENTION_SCHEDULER_ID,
      { every: 3_600_000 },
      { name: RETENTION_JOB_NAME, data: { inputDays: 7, outputDays: 30 } },
    );
    const { page } = await signedInPage("ops@retention.test", "ops-password-1", `/admin/jobs/${other.id}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(other.id);
    expect(await page.getByRole("button", { name: "Purge files" }).count()).toBe(0);
    const input = page.getByRole("region", { name: "Input" });
    // The app re-reads an unknown schedule within seconds.
    await waitFor(
      async () => {
        await page.reload();
        return (await input.textContent())?.includes("Deletion due");
      },
      { timeoutMs: 15_000, intervalMs: 1_000, what: "the deadlines on the job page" },
    );
    const day = (n: number) => new Date(Date.now() + n * DAY_MS).toISOString().slice(0, 10);
    await expect(input.textContent()).resolves.toContain(day(7));
    await expect(input.textContent()).resolves.toContain(day(30));
    await page.screenshot({ path: path.join(ARTIFACTS, "retention-deadlines.png"), fullPage: true });
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await page.context().close();
  });
});
