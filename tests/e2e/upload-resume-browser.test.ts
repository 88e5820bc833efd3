import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalStorage } from "../../lib/storage";
import { showServerLogOnFailure } from "../api/api-http";
import { hashStream } from "../storage/seeded-bytes";
import { launchChromium } from "../support/browser";
import { type Stack, startStack, waitFor } from "../support/stack";
import { startThrottleProxy, type ThrottleProxy } from "../support/throttle-proxy";

// The upload page in Chromium (playwright-core) sending a 100 MB file in parts, with the network cut in the
// middle: by Chrome's own offline emulation (CDP Network.emulateNetworkConditions) and by a page reload. The
// app sits behind a loopback proxy that counts the bytes it really received, so "did not start from zero"
// is measured on the server's side, not taken from the page's own progress bar.

const MiB = 1024 * 1024;
const FILE_BYTES = 100 * 1000 * 1000;
/** Small parts keep the bytes lost with the parts in flight at a drop small (4 × 1 MiB). */
const PART_SIZE = MiB;
/** 4 MB/s per connection: 4 parts in flight take the 100 MB in ~6 s, long enough to cut the network mid-way. */
const LINK_BYTES_PER_SEC = 4 * 1000 * 1000;

let stack: Stack;
let proxy: ThrottleProxy;
let browser: Browser;
let workDir: string;
let bigFile: string;
let context: BrowserContext | undefined;
let consoleLines: string[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "captioner-resume-"));
  bigFile = path.join(workDir, "two hour lecture.mp4");
  // Random bytes with a video name: the page checks the type by name; no worker runs in this file.
  await pipeline(
    (async function* () {
      for (let sent = 0; sent < FILE_BYTES; sent += MiB) yield randomBytes(Math.min(MiB, FILE_BYTES - sent));
    })(),
    createWriteStream(bigFile),
  );
  proxy = await startThrottleProxy({ bytesPerSec: LINK_BYTES_PER_SEC });
  [stack, browser] = await Promise.all([
    startStack({
      worker: false,
      env: {
        APP_URL: proxy.url,
        MULTIPART_THRESHOLD: String(8 * MiB),
        MULTIPART_PART_SIZE: String(PART_SIZE),
      },
    }),
    launchChromium(),
  ]);
  proxy.setTarget(Number(new URL(stack.baseUrl).port));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await proxy?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});
showServerLogOnFailure(() => stack?.app.output());

async function openPage(): Promise<{ page: Page; cdp: CDPSession }> {
  context = await browser.newContext({ baseURL: proxy.url });
  const page = await context.newPage();
  // Reloading mid-upload asks "leave the page?": say yes, as a person reloading on purpose would.
  page.on("dialog", (dialog) => void dialog.accept());
  consoleLines = [];
  page.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => consoleLines.push(`pageerror: ${error.message}`));
  page.on("response", (response) => {
    if (response.request().method() !== "PUT")
      consoleLines.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on("requestfailed", (request) =>
    consoleLines.push(`failed: ${request.method()} ${request.url().slice(0, 80)} ${request.failure()?.errorText}`),
  );
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  return { page, cdp };
}

async function pickFile(page: Page) {
  // On a loaded machine the file can be picked before React has hydrated the input (the pick is then lost):
  // pick again until the page shows it.
  await waitFor(
    async () => {
      if ((await page.getByText(/^Selected:/).count()) > 0) return true;
      await page.getByLabel(/Choose a (different )?video/).setInputFiles(bigFile);
      return (await page.getByText(/^Selected:/).count()) > 0;
    },
    { timeoutMs: 60_000, intervalMs: 1_000, what: "the page to take the picked file" },
  );
  expect(await page.getByText(/^Selected:/).textContent()).toContain("two hour lecture.mp4");
}

/** The uploaded object's bytes equal the file's: nothing lost, nothing doubled. */
async function expectStoredWhole(key: string) {
  const storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
  expect((await hashStream(await storage.getStream(key))).sha256).toBe(
    (await hashStream(createReadStream(bigFile))).sha256,
  );
}

async function jobKey(page: Page): Promise<string> {
  await page.waitForURL(/\/jobs\/job_[\w-]{22}$/, { timeout: 120_000 }).catch(async (error: Error) => {
    // Say where the page got stuck: its words, the server's count of bytes, what the browser logged.
    const text = await page
      .locator("form")
      .textContent()
      .catch(() => "(no form)");
    throw new Error(
      `${error.message}\npage: ${text}\nbytes at the server: ${proxy.bytesFromClients()}\nconsole: ${consoleLines.slice(-20).join("\n")}`,
    );
  });
  const jobId = new URL(page.url()).pathname.split("/").pop() ?? "";
  const job = await stack.db.job.findUniqueOrThrow({ where: { id: jobId } });
  return job.inputKey;
}

describe("upload page, 100 MB in parts over a slow link", () => {
  it("carries on by itself after the network is off for 3 s, without starting from zero", async () => {
    const { page, cdp } = await openPage();
    await page.goto("/");
    await pickFile(page);
    proxy.resetCount();
    const started = Date.now();
    await page.getByRole("button", { name: "Upload and caption" }).click();

    await waitFor(async () => proxy.bytesFromClients() > 0.4 * FILE_BYTES, { timeoutMs: 60_000, what: "40 % sent" });
    const atDrop = proxy.bytesFromClients();
    await cdp.send("Network.emulateNetworkConditions", {
      offline: true,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await expect.poll(() => page.getByTestId("upload-reconnecting").count(), { timeout: 10_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const duringOutage = proxy.bytesFromClients() - atDrop;
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });

    const key = await jobKey(page);
    const sent = proxy.bytesFromClients();
    console.log(
      `[resume] 100 MB with a 3 s outage at ${(atDrop / 1e6).toFixed(1)} MB: ${(sent / 1e6).toFixed(1)} MB reached the server (${(sent / FILE_BYTES).toFixed(3)}×) in ${Date.now() - started} ms; ${(duringOutage / 1e6).toFixed(2)} MB during the outage`,
    );
    expect(sent).toBeLessThanOrEqual(1.1 * FILE_BYTES);
    expect(sent).toBeGreaterThanOrEqual(FILE_BYTES);
    await expectStoredWhole(key);
    // The finished upload is forgotten: nothing left to offer for this file.
    expect(
      await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("captioner.upload:"))),
    ).toEqual([]);
  }, 240_000);

  it("offers to resume after a reload when the same file is picked again, and sends only what is missing", async () => {
    const { page } = await openPage();
    await page.goto("/");
    await pickFile(page);
    proxy.resetCount();
    await page.getByRole("button", { name: "Upload and caption" }).click();
    await waitFor(async () => proxy.bytesFromClients() > 0.5 * FILE_BYTES, { timeoutMs: 60_000, what: "50 % sent" });
    await page.reload();
    const beforeResume = proxy.bytesFromClients();

    await pickFile(page);
    await expect.poll(() => page.getByTestId("resume-offer").count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId("resume-offer").textContent()).toMatch(/stopped at \d+(\.\d)? MiB of 95\.4 MiB/);
    await page.getByRole("button", { name: "Upload and caption" }).click();
    const key = await jobKey(page);
    const afterReload = proxy.bytesFromClients() - beforeResume;
    const total = proxy.bytesFromClients();
    console.log(
      `[resume] reload at ${(beforeResume / 1e6).toFixed(1)} MB: ${(afterReload / 1e6).toFixed(1)} MB sent after it, ${(total / FILE_BYTES).toFixed(3)}× in all`,
    );
    expect(afterReload).toBeLessThan(0.6 * FILE_BYTES);
    expect(total).toBeLessThanOrEqual(1.1 * FILE_BYTES);
    await expectStoredWhole(key);
  }, 240_000);

  it("cancel aborts the upload: its parts are freed on the server and nothing is left to resume", async () => {
    const { page } = await openPage();
    await page.goto("/");
    await pickFile(page);
    proxy.resetCount();
    await page.getByRole("button", { name: "Upload and caption" }).click();
    await waitFor(async () => proxy.bytesFromClients() > 0.2 * FILE_BYTES, { timeoutMs: 60_000, what: "20 % sent" });
    await page.getByRole("button", { name: "Cancel upload" }).click();
    await expect.poll(() => page.getByText(/Upload canceled/).count(), { timeout: 30_000 }).toBe(1);

    const plan = await stack.db.uploadPlan.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    await expect
      .poll(async () => (await stack.db.uploadPlan.findUniqueOrThrow({ where: { id: plan.id } })).status, {
        timeout: 15_000,
        message: `plan ${plan.id} was not aborted; the browser said:\n${consoleLines.join("\n")}`,
      })
      .toBe("aborted");
    const storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
    await expect(storage.listParts(plan.key, plan.driverUploadId)).rejects.toThrow(/not found/);
    expect(await storage.head(plan.key)).toBeNull();
    expect(
      await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("captioner.upload:"))),
    ).toEqual([]);
    // Picking the same file again offers nothing to resume.
    await page.getByLabel(/Choose a (different )?video/).setInputFiles(bigFile);
    await page.waitForTimeout(1_000);
    expect(await page.getByTestId("resume-offer").count()).toBe(0);
  }, 180_000);
});
