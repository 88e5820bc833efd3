import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { makeJobRow } from "../admin/staff-sessions";
import { waitForDashboard } from "../dashboard/staff";
import { launchChromium } from "../support/browser";
import { type Stack, startStack } from "../support/stack";

// Every HTML page carries a Content-Security-Policy whose scripts run only by a per-request nonce. In a
// real browser the pages must still work under it — the upload form, the live job page, sign-in, the
// console and the queue board framed inside it — without a single violation. (tests/e2e/any-host.test.ts
// checks the same for a real upload, player and downloads.)

let stack: Stack;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ worker: false, dashboard: true }), launchChromium()]);
  await Promise.all([
    upsertUser(stack.db, { email: "admin@csp.test", role: "admin", password: "admin-password-1" }),
    waitForDashboard(stack),
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

/** A page that records CSP violations (the DOM event, in every frame) and console errors. */
async function watchedPage(): Promise<{ page: Page; violations: string[]; errors: string[] }> {
  context = await browser.newContext({ baseURL: stack.baseUrl });
  const violations: string[] = [];
  const errors: string[] = [];
  await context.exposeBinding("reportViolation", ({ frame }, text: string) =>
    violations.push(`${frame.url()}: ${text}`),
  );
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportViolation: (text: string) => void }).reportViolation;
      report(
        `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${message.text()} ${message.location().url}`);
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, violations, errors };
}

describe("Content-Security-Policy in a browser", () => {
  it("home: the upload form works (client-side checks run) with no violation", async () => {
    const { page, violations, errors } = await watchedPage();
    const res = await page.goto("/");
    expect(res?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    await page
      .getByLabel(/Choose a video/)
      .setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello\n") });
    await expect.poll(() => page.locator("form [role=alert]").textContent()).toContain("is not a video");
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);

    // And the policy bites: markup with an injected inline script (what a stored XSS would add) is served
    // with the real policy, and the script neither runs nor goes unreported.
    await page.route("**/", async (route) => {
      const original = await route.fetch();
      const html = (await original.text()).replace("</body>", "<script>window.injected = true;</script></body>");
      await route.fulfill({ response: original, body: html });
    });
    await page.reload();
    await expect.poll(() => violations.join("\n")).toMatch(/script-src-elem blocked inline/);
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).toBeUndefined();
  });

  it("job page: hydrates and polls the API with no violation", async () => {
    const id = await makeJobRow(stack, "processing");
    const { page, violations, errors } = await watchedPage();
    const polled = page.waitForRequest((request) => request.url().endsWith(`/api/video/job/${id}`), {
      timeout: 20_000,
    });
    await page.goto(`/jobs/${id}`);
    await polled;
    expect(await page.locator("h1").textContent()).toBe("Captioning your video");
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("sign-in, the console and the framed queue board work with no violation", async () => {
    const { page, violations, errors } = await watchedPage();
    await page.goto("/admin");
    expect(new URL(page.url()).pathname).toBe("/signin");
    await page.getByLabel("Email").fill("admin@csp.test");
    await page.getByLabel("Password").fill("admin-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/admin");
    await page.getByRole("heading", { name: "Latest failures" }).waitFor();

    await page.goto("/admin/queues");
    const frame = page.frameLocator('iframe[title="Queue board (Bull Board)"]');
    await frame.getByText("captions", { exact: true }).first().waitFor({ timeout: 30_000 });
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe("Content-Security-Policy over HTTP", () => {
  it("a fresh nonce per response, and it is on the page's scripts", async () => {
    const nonces: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${stack.baseUrl}/`);
      const policy = res.headers.get("content-security-policy") ?? "";
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1] ?? "";
      const html = await res.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      expect(policy).toContain("object-src 'none'");
      expect(policy).toContain("base-uri 'self'");
      expect(policy).toContain("frame-ancestors 'self'");
      nonces.push(nonce);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it("the public API and stored files are not given the page policy", async () => {
    const res = await fetch(`${stack.baseUrl}/api/health`);
    expect(res.headers.get("content-security-policy")).toBeNull();
  });
});
