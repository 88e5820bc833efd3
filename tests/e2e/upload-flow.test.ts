import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../lib/ids";
import { launchChromium } from "../support/browser";
import { makeAudioOnly, makeSilentVideo, makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";
import { wordErrorRate } from "../support/wer";

// The end user's side in a real browser (Debian's Chromium driven by playwright-core) against a real
// stack: pick a file on the home page, watch the job page, play the result with its captions, and the
// ways it can go wrong (not a video, too big, canceled, rejected by the worker, unknown job).

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-results", "e2e");
const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer. Please bring your questions to the meeting on Friday.";
/** Small enough that the "too large" refusal can be tested with a 6 MiB buffer. */
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const MiB = 1024 * 1024;

let stack: Stack;
let browser: Browser;
let workDir: string;
let context: BrowserContext;
/** Console errors and uncaught exceptions of the current test's pages (hydration mismatches land here). */
let pageErrors: string[];

beforeAll(async () => {
  [stack, browser, workDir] = await Promise.all([
    startStack({ env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) }, workerEnv: { TRANSCRIBER: "pocketsphinx" } }),
    launchChromium(),
    mkdtemp(path.join(tmpdir(), "captioner-e2e-")),
    mkdir(ARTIFACTS, { recursive: true }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

afterEach(async () => {
  await context?.close();
});

async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  context = await browser.newContext({ viewport, baseURL: stack.baseUrl });
  pageErrors = [];
  const page = await context.newPage();
  page.on("console", (message) => {
    // The app has no favicon yet (app/layout.tsx's business); the browser's request for one is not a page error.
    if (message.type() !== "error" || message.location().url.endsWith("/favicon.ico")) return;
    pageErrors.push(`${message.text()} ${message.location().url}`);
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) pageErrors.push(`${response.status()} ${response.url()}`);
  });
  return page;
}

/** Paths of the API and storage requests the page made. */
function recordRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith("/api/")) seen.push(`${request.method()} ${url.pathname}`);
  });
  return seen;
}

/** Watches the job page until the job is final; returns every percentage the progress bar showed. */
async function watchJob(page: Page): Promise<{ values: number[]; texts: string[] }> {
  const values: number[] = [];
  const texts: string[] = [];
  const progress = page.locator("main progress");
  const text = page.getByTestId("job-progress-text");
  const deadline = Date.now() + 90_000;
  const sample = async () => {
    const value = Number(await progress.getAttribute("aria-valuenow"));
    if (values.at(-1) !== value) values.push(value);
    const line = await text.textContent();
    if (line && texts.at(-1) !== line) texts.push(line);
  };
  while (Date.now() < deadline) {
    await sample();
    const heading = await page.locator("h1").textContent();
    if (heading && !heading.startsWith("Captioning your video")) {
      // The page may have finished between the sample and the heading: take the final state too.
      await sample();
      return { values, texts };
    }
    await page.waitForTimeout(150);
  }
  throw new Error(`the job did not finish; progress seen: ${values.join(", ")}`);
}

/** The page never needs sideways scrolling at phone width. */
async function expectFitsWidth(page: Page, width: number): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(width);
}

async function uploadThroughPage(
  page: Page,
  file: string,
  options: { soft?: boolean; language?: string; doubleClick?: boolean } = {},
) {
  await page.goto("/");
  await page.getByLabel(/Choose a video/).setInputFiles(file);
  await expect.poll(() => page.getByText(/^Selected:/).textContent()).toContain(path.basename(file));
  if (options.language) await page.getByLabel("Spoken language").selectOption(options.language);
  if (options.soft) await page.getByRole("radio", { name: /Soft subtitles/ }).check();
  const submit = page.getByRole("button", { name: "Upload and caption" });
  await (options.doubleClick ? submit.dblclick() : submit.click());
  await page.waitForURL(/\/jobs\/job_[\w-]{22}$/, { timeout: 30_000 });
  return new URL(page.url()).pathname.split("/").pop() ?? "";
}

describe("upload page → job page → captioned video", () => {
  it("uploads a spoken video, follows the job to 100 % and plays the result with its captions", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT, out: path.join(workDir, "weekly update.mp4") });
    const page = await openPage();
    await page.goto("/");
    await expect.poll(() => page.locator("h1").textContent()).toBe("Caption a video");
    // The limit comes from the running server's MAX_UPLOAD_BYTES.
    expect(await page.locator("label").filter({ hasText: "Choose a video" }).textContent()).toContain("up to 5 MiB");
    await page.screenshot({ path: path.join(ARTIFACTS, "upload-page.png"), fullPage: true });
    // The offline recogniser knows English only: nothing else (not even "detect") is offered.
    const offered = await page.getByLabel("Spoken language").locator("option").allTextContents();
    expect(offered).toEqual(["English"]);

    const started = Date.now();
    const jobId = await uploadThroughPage(page, clip.path);
    const { values, texts } = await watchJob(page);
    console.log(`[e2e] job page: ${clip.durationSec.toFixed(1)} s clip done in ${Date.now() - started} ms`);
    console.log(`[e2e] progress seen: ${values.join(" → ")} | ${texts.join(" | ")}`);

    expect(await page.locator("h1").textContent()).toBe("Your captioned video is ready");
    expect(values.at(-1)).toBe(100);
    expect(values[0]).toBeLessThan(100);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(texts.at(-1)).toBe("100% · Done");
    expect(await page.locator("main progress").getAttribute("value")).toBe("100");
    expect(await page.getByText(/^Took \d+:\d\d$/).count()).toBe(1);
    expect(await page.getByTestId("job-transcriber").textContent()).toBe(
      "Speech recognised by pocketsphinx (model en-us) in English. Full stops and capitals were guessed from pauses.",
    );

    // The video plays (Debian's Chromium decodes H.264; if a build cannot, metadata must still load).
    const video = page.locator("video");
    const canPlayH264 = await video.evaluate((v: HTMLVideoElement) => v.canPlayType('video/mp4; codecs="avc1.42E01E"'));
    if (canPlayH264 === "") {
      console.log("[e2e] this Chromium cannot decode H.264: checking metadata only");
      await page.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 1);
    } else {
      await page.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 2, null, {
        timeout: 15_000,
      });
      await video.evaluate(async (v: HTMLVideoElement) => {
        v.muted = true;
        await v.play();
        v.pause();
      });
    }
    const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
    expect(Math.abs(duration - clip.durationSec)).toBeLessThan(0.5);

    // Burned-in: the track is there but not on by default, and the page says why.
    const track = await video.evaluate((v: HTMLVideoElement) => {
      const element = v.querySelector("track");
      return { kind: v.textTracks[0]?.kind, isDefault: element?.default, mode: v.textTracks[0]?.mode };
    });
    expect(track).toEqual({ kind: "captions", isDefault: false, mode: "disabled" });
    await expect.poll(() => page.getByText(/burned into the picture/).count()).toBe(1);
    const cues = await readCues(page);
    expect(cues.length).toBeGreaterThan(1);
    expect(wordErrorRate(SCRIPT, cues.join(" ")), cues.join(" | ")).toBeLessThan(0.3);
    expect(cues.join(" ").toLowerCase()).toContain("welcome");

    // Three downloads, each a real file.
    const links = page.locator("a[download]");
    expect(await links.allTextContents()).toEqual([
      "MP4 Video with captions",
      "SRT Subtitles for editors and players",
      "VTT Subtitles for the web",
    ]);
    const [mp4, srt, vtt] = await Promise.all(
      (await links.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))).map((href) =>
        page.request.get(href),
      ),
    );
    expect(mp4?.headers()["content-type"]).toBe("video/mp4");
    expect((await mp4?.body())?.subarray(4, 8).toString()).toBe("ftyp");
    expect(await srt?.text()).toMatch(/^1\r?\n\d\d:\d\d:\d\d,\d{3} --> /);
    expect(await vtt?.text()).toMatch(/^WEBVTT/);

    // A frame with speech, so the screenshot shows the burned-in captions.
    await video.evaluate(
      (v: HTMLVideoElement) =>
        new Promise((resolve) => {
          v.addEventListener("seeked", resolve, { once: true });
          v.currentTime = 2;
        }),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, "result-page.png"), fullPage: true });
    // The page is bookmarkable: a fresh load shows the same finished job.
    await page.reload();
    expect(await page.locator("h1").textContent()).toBe("Your captioned video is ready");
    expect(page.url()).toBe(`${stack.baseUrl}/jobs/${jobId}`);
    expect(pageErrors).toEqual([]);
  });

  it("soft subtitles and a chosen language reach the job (one job for a double click); the track is on by default", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT, out: path.join(workDir, "soft.mp4") });
    const page = await openPage({ width: 360, height: 740 });
    const requests = recordRequests(page);
    const jobsBefore = await stack.db.job.count();
    await page.goto("/");
    await expectFitsWidth(page, 360);
    await page.screenshot({ path: path.join(ARTIFACTS, "upload-page-360.png"), fullPage: true });

    const jobId = await uploadThroughPage(page, clip.path, { soft: true, language: "en", doubleClick: true });
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: jobId } });
    expect(row.options).toEqual({ language: "en", burnIn: false });
    expect(await stack.db.job.count()).toBe(jobsBefore + 1);
    expect(requests.filter((r) => !r.startsWith("GET /api/video/job/"))).toEqual([
      "POST /api/video/upload",
      "PUT /api/storage/upload",
      "POST /api/video/process",
    ]);
    await watchJob(page);

    expect(await page.locator("h1").textContent()).toBe("Your captioned video is ready");
    const track = await page.locator("video").evaluate((v: HTMLVideoElement) => {
      const element = v.querySelector("track");
      return {
        isDefault: element?.default,
        mode: v.textTracks[0]?.mode,
        label: v.textTracks[0]?.label,
        lang: v.textTracks[0]?.language,
      };
    });
    expect(track).toEqual({ isDefault: true, mode: "showing", label: "English captions", lang: "en" });
    expect(await page.getByText(/soft subtitle track, shown by default/).count()).toBe(1);
    expect((await readCues(page)).join(" ").toLowerCase()).toContain("welcome");
    await expectFitsWidth(page, 360);
    await page.screenshot({ path: path.join(ARTIFACTS, "result-page-360.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("a video without speech completes and says the captions are empty", async () => {
    const silent = await makeSilentVideo({ durationSec: 3, out: path.join(workDir, "silence.mp4") });
    const page = await openPage();
    await uploadThroughPage(page, silent.path);
    await watchJob(page);

    expect(await page.locator("h1").textContent()).toBe("Your captioned video is ready");
    expect(await page.getByRole("note").textContent()).toBe("No speech was found; the captions are empty.");
    expect(await page.locator("a[download]").count()).toBe(3);
    const jobUrl = new URL(page.url()).pathname;

    // Back home, the video is listed under "My recent videos" with its status, linking to its page.
    await page.goto("/");
    const recent = page.getByRole("region", { name: "My recent videos" });
    await expect.poll(() => recent.textContent()).toContain("silence.mp4 Done");
    expect(await recent.getByRole("link", { name: "silence.mp4" }).getAttribute("href")).toBe(jobUrl);
    expect(pageErrors).toEqual([]);
  });

  it("while queued, the job page shows the place in line", async () => {
    const id = newJobId();
    // A row no worker will take (it was never put on the queue): it stays queued for as long as we look.
    await stack.db.job.create({ data: { id, status: "queued", inputKey: "uploads/x/waiting.mp4", options: {} } });
    const page = await openPage();
    await page.goto(`/jobs/${id}`);
    await expect(page.title()).resolves.toBe(`Job ${id} · Captioner`);
    await expect
      .poll(() => page.getByTestId("queue-place").textContent())
      .toMatch(/^(Next|\d+(st|nd|rd|th)) in line\. You can leave this page and come back\.$/);
    await stack.db.job.update({ where: { id }, data: { status: "canceled" } });
    expect(pageErrors).toEqual([]);
  });
});

describe("refusals and failures a user sees", () => {
  it("refuses a non-video and a too-large file before any upload starts", async () => {
    const page = await openPage();
    const requests = recordRequests(page);
    const jobsBefore = await stack.db.job.count();
    await page.goto("/");
    const input = page.getByLabel(/Choose a video/);

    await input.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello\n") });
    await expect
      .poll(() => page.locator("form [role=alert]").textContent())
      .toBe("“notes.txt” is not a video (text/plain). Choose a video file such as MP4, MOV, MKV or WebM.");
    await page.getByRole("button", { name: "Upload and caption" }).click();
    await expect.poll(() => page.locator("form [role=alert]").textContent()).toBe("Choose a video first.");

    await input.setInputFiles({ name: "big.mp4", mimeType: "video/mp4", buffer: Buffer.alloc(6 * MiB) });
    await expect
      .poll(() => page.locator("form [role=alert]").textContent())
      .toBe("“big.mp4” is 6 MiB; the limit is 5 MiB.");
    await page.getByRole("button", { name: "Upload and caption" }).click();

    await page.waitForTimeout(300);
    expect(requests).toEqual([]);
    expect(await stack.db.job.count()).toBe(jobsBefore);
  });

  it("keyboard: the file picker is reached with Tab and its focus is visible", async () => {
    const page = await openPage();
    await page.goto("/");
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type === "file")) break;
    }
    const focus = await page.evaluate(() => {
      const input = document.activeElement as HTMLInputElement;
      const label = document.querySelector(`label[for="${input.id}"]`);
      return { type: input.type, outline: label ? getComputedStyle(label).outlineStyle : "none" };
    });
    expect(focus).toEqual({ type: "file", outline: "solid" });
  });

  it("shows upload progress with speed and time left, and Cancel stops it without making a job", async () => {
    const page = await openPage();
    const requests = recordRequests(page);
    const jobsBefore = await stack.db.job.count();
    await page.goto("/");
    // Slow the upload to ~256 KiB/s so there is time to watch it and cancel.
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    await page
      .getByLabel(/Choose a video/)
      .setInputFiles({ name: "long.mp4", mimeType: "video/mp4", buffer: Buffer.alloc(4 * MiB, 7) });
    await page.getByRole("button", { name: "Upload and caption" }).click();

    const details = page.getByTestId("upload-details");
    await expect
      .poll(() => details.textContent(), { timeout: 15_000 })
      .toMatch(/^[\d.]+ (KiB|MiB) of 4 MiB · [\d.]+ (KiB|MiB)\/s · (about \d+ s left|less than a second left)$/);
    await page.screenshot({ path: path.join(ARTIFACTS, "upload-progress.png"), fullPage: true });
    const percent = Number(await page.getByRole("progressbar").getAttribute("aria-valuenow"));
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);

    await page.getByRole("button", { name: "Cancel upload" }).click();
    await expect
      .poll(() => page.locator("form [role=status]").first().textContent())
      .toBe("Upload canceled. Nothing was sent for captioning.");
    expect(await page.getByRole("progressbar").count()).toBe(0);
    expect(page.url()).toBe(`${stack.baseUrl}/`);
    expect(requests).toEqual(["POST /api/video/upload", "PUT /api/storage/upload"]);
    expect(await stack.db.job.count()).toBe(jobsBefore);
  });

  it("a file the worker rejects ends on the job page with the reason, next steps and a copyable job id", async () => {
    // An audio file with an .mp4 name: the browser calls it video/mp4, the worker finds no video track.
    const audio = await makeAudioOnly({ out: path.join(workDir, "voice-memo.mp4") });
    const page = await openPage();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.baseUrl });
    const jobId = await uploadThroughPage(page, audio.path);
    await watchJob(page);

    expect(await page.locator("h1").textContent()).toBe("Captioning failed");
    const alert = page.getByRole("alert").filter({ hasText: "couldn't caption" });
    expect(await alert.locator("h2").textContent()).toBe("We couldn't caption this video");
    expect(await alert.getByText("The file has no video track.").count()).toBe(1);
    expect(await alert.getByText("Error code: NO_VIDEO_STREAM").count()).toBe(1);
    expect(await alert.getByRole("link", { name: "try another file" }).getAttribute("href")).toBe("/");
    expect(await alert.locator("code").filter({ hasText: jobId }).count()).toBe(1);

    await alert.getByRole("button", { name: "Copy job id" }).click();
    await expect.poll(() => alert.getByRole("status").textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(jobId);
    await page.screenshot({ path: path.join(ARTIFACTS, "failed-page.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("an unknown or malformed job id gets a friendly 404 page", async () => {
    const page = await openPage();
    for (const id of ["job_AAAAAAAAAAAAAAAAAAAAAA", "not-a-job"]) {
      const response = await page.goto(`/jobs/${id}`);
      expect(response?.status()).toBe(404);
      expect(await page.locator("h1").textContent()).toBe("We can't find that job");
      expect(await page.getByRole("link", { name: "Caption a new video" }).getAttribute("href")).toBe("/");
    }
  });
});

/** The caption cues the browser parsed from the <track>, read after switching the track to "hidden". */
async function readCues(page: Page): Promise<string[]> {
  return page.locator("video").evaluate(
    (v: HTMLVideoElement) =>
      new Promise<string[]>((resolve, reject) => {
        const track = v.textTracks[0];
        if (!track) return reject(new Error("no text track"));
        if (track.mode === "disabled") track.mode = "hidden";
        const started = Date.now();
        const check = () => {
          const cues = track.cues ? Array.from(track.cues, (cue) => (cue as VTTCue).text) : [];
          if (cues.length > 0) resolve(cues);
          else if (Date.now() - started > 10_000) reject(new Error("the track loaded no cues"));
          else setTimeout(check, 100);
        };
        check();
      }),
  );
}
