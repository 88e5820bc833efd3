import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser";
import { type MediaFile, makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";

// The app opened the way people really open it, with no APP_URL: at 127.0.0.1 (the README's URL), at
// localhost, and under a host name of its own (Chromium maps the made-up `captioner.test` to 127.0.0.1,
// as DNS or /etc/hosts would on a LAN). Every link the app hands out must point back at the origin the
// browser used; before, the API answered with links to localhost and the browser blocked the upload.

const HOST_NAME = "captioner.test";
const SCRIPT = "Captions follow the page to whatever address it was opened at.";

let stack: Stack;
let browser: Browser;
let clip: MediaFile;
let context: BrowserContext | undefined;
/** A job finished in the first test, for the broken-player test. */
let finished: { origin: string; jobId: string } | undefined;

beforeAll(async () => {
  [stack, browser, clip] = await Promise.all([
    // APP_URL empty counts as unset: links come from the request, which is what is tested here.
    startStack({ env: { APP_URL: "" }, workerEnv: { TRANSCRIBER: "pocketsphinx" } }),
    launchChromium([`--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`]),
    makeSpeechVideo({ script: SCRIPT, width: 320, height: 180 }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

function originsToTry(): string[] {
  const port = new URL(stack.baseUrl).port;
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://${HOST_NAME}:${port}`];
}

interface Watched {
  page: Page;
  /** Every http(s) request the page made, as "METHOD url". */
  requests: string[];
  /** Console errors, uncaught exceptions and failed requests. */
  problems: string[];
}

async function openAt(origin: string): Promise<Watched> {
  context = await browser.newContext({ baseURL: origin });
  const page = await context.newPage();
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (request) => {
    if (request.url().startsWith("http")) requests.push(`${request.method()} ${request.url()}`);
  });
  // Chromium reports Content-Security-Policy violations as console errors: they land here too.
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("requestfailed", (request) => {
    // A player cancels its range requests and a reload cancels pending fetches: aborts are not failures.
    const reason = request.failure()?.errorText ?? "";
    if (reason !== "net::ERR_ABORTED") problems.push(`failed: ${request.url()} ${reason}`);
  });
  return { page, requests, problems };
}

/** Waits for the job page's heading to leave "Captioning your video"; returns the headings seen on the way. */
async function followJob(page: Page): Promise<string[]> {
  const headings: string[] = [];
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const heading = (await page.locator("h1").textContent()) ?? "";
    if (headings.at(-1) !== heading) headings.push(heading);
    if (!heading.startsWith("Captioning your video")) return headings;
    await page.waitForTimeout(200);
  }
  throw new Error(`the job did not finish; headings seen: ${headings.join(" → ")}`);
}

/** Fetches each URL from inside the page (the browser's own origin rules apply) and describes the bytes. */
async function fetchFromPage(page: Page, urls: string[]) {
  return page.evaluate(
    (list) =>
      Promise.all(
        list.map(async (url) => {
          const res = await fetch(url);
          const bytes = new Uint8Array(await res.arrayBuffer());
          return {
            status: res.status,
            type: res.headers.get("content-type"),
            size: bytes.length,
            head: new TextDecoder().decode(bytes.subarray(0, 12)),
          };
        }),
      ),
    urls,
  );
}

/** Waits until the page's <video> can play (readyState ≥ 2), plays a moment of it, and reports its state. */
async function playVideo(page: Page) {
  await page.waitForFunction(
    () => {
      const video = document.querySelector("video");
      return video !== null && (video.readyState >= 2 || video.error !== null);
    },
    null,
    { timeout: 20_000 },
  );
  return page.locator("video").evaluate(async (video: HTMLVideoElement) => {
    if (video.error) return { error: video.error.code, readyState: video.readyState, played: false };
    video.muted = true;
    await video.play();
    // Playback advances once the decoder has frames; on a loaded machine that can take a while.
    const deadline = Date.now() + 10_000;
    while (video.currentTime === 0 && !video.error && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const played = video.currentTime > 0;
    video.pause();
    return { error: null, readyState: video.readyState, played };
  });
}

describe("links work at whatever address the app is opened", () => {
  it.each([
    ["127.0.0.1", 0],
    ["localhost", 1],
    [`a made-up host name (${HOST_NAME})`, 2],
  ])("at %s: upload, live job page, playing player, downloads", async (_name, index) => {
    const origin = originsToTry()[index as number] ?? "";
    const { page, requests, problems } = await openAt(origin);
    await page.goto("/");
    await page.getByLabel(/Choose a video/).setInputFiles(clip.path);
    await page.getByRole("button", { name: "Upload and caption" }).click();
    await page.waitForURL(/\/jobs\/job_[\w-]{22}$/, { timeout: 30_000 });
    const jobId = new URL(page.url()).pathname.split("/").pop() ?? "";

    // The live page follows the job to the end without a reload.
    const headings = await followJob(page);
    expect(headings.at(-1)).toBe("Your captioned video is ready");
    expect(headings[0]).toBe("Captioning your video");
    expect(page.url()).toBe(`${origin}/jobs/${jobId}`);

    // The upload went to this origin, and so did everything else the page asked for.
    const put = requests.find((r) => r.startsWith("PUT "));
    expect(put).toMatch(new RegExp(`^PUT ${origin.replace(/[.:/]/g, "\\$&")}/api/storage/upload\\?`));
    expect(requests.filter((r) => !r.split(" ")[1]?.startsWith(`${origin}/`))).toEqual([]);

    // The player that appeared while watching plays.
    expect(await playVideo(page)).toEqual({ error: null, readyState: expect.any(Number), played: true });
    expect(await page.getByTestId("player-error").count()).toBe(0);

    // The three downloads are real files, fetched by the page itself.
    const hrefs = await page
      .locator("a[download]")
      .evaluateAll((links) => links.map((link) => (link as HTMLAnchorElement).href));
    expect(hrefs.map((href) => new URL(href).origin)).toEqual([origin, origin, origin]);
    const [mp4, srt, vtt] = await fetchFromPage(page, hrefs);
    expect(mp4).toMatchObject({ status: 200, type: "video/mp4" });
    expect(mp4?.head.slice(4, 8)).toBe("ftyp");
    expect(mp4?.size).toBeGreaterThan(1000);
    expect(srt).toMatchObject({ status: 200 });
    expect(srt?.head).toMatch(/^1\r?\n\d\d:\d\d:\d\d/);
    expect(vtt).toMatchObject({ status: 200 });
    expect(vtt?.head).toMatch(/^WEBVTT/);

    // A fresh load (server-rendered, not from the API) also links to this origin and plays.
    await page.reload();
    expect(await playVideo(page)).toMatchObject({ error: null, played: true });
    const reloaded = await page.locator("video").evaluate((video: HTMLVideoElement) => video.currentSrc);
    expect(new URL(reloaded).origin).toBe(origin);
    expect(problems).toEqual([]);
    finished ??= { origin, jobId };
  });

  it("a player that cannot load its video says so and offers the download", async () => {
    if (!finished) throw new Error("needs the job of the first test");
    const { page } = await openAt(finished.origin);
    // Only the player's request gets a tampered signature; the real server refuses it (403).
    await page.route("**/api/storage/download?**", (route) => {
      if (route.request().resourceType() !== "media") return route.continue();
      const url = new URL(route.request().url());
      url.searchParams.set("sig", `${url.searchParams.get("sig")?.slice(0, -4)}AAAA`);
      return route.continue({ url: url.href });
    });
    await page.goto(`/jobs/${finished.jobId}`);
    const alert = page.getByTestId("player-error");
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toContain("The player could not load this video");
    expect(await alert.getAttribute("role")).toBe("alert");
    const link = alert.getByRole("link", { name: "Download the video" });
    expect(await link.getAttribute("download")).not.toBeNull();
    // The offered link itself is good: the page can fetch the video through it.
    const [video] = await fetchFromPage(page, [await link.evaluate((a) => (a as HTMLAnchorElement).href)]);
    expect(video).toMatchObject({ status: 200, type: "video/mp4" });
    expect(video?.head.slice(4, 8)).toBe("ftyp");
  });
});
