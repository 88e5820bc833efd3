import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captionFile } from "../support/api-client";
import { makeSilentVideo } from "../support/make-media";
import { type Stack, startStack } from "../support/stack";

// Users' files are served back from our own origin (local storage driver) and pages carry signed URLs:
// the browser must neither sniff a file into something executable nor leak a page's URLs in a Referer.

let stack: Stack;

beforeAll(async () => {
  // Behind a (pretend) TLS-terminating proxy: no APP_URL, the proxy's X-Forwarded-Proto is believed.
  stack = await startStack({ env: { APP_URL: "", TRUST_PROXY: "true" } });
});
afterAll(async () => {
  await stack?.stop();
});

describe("security headers", () => {
  it("pages: no sniffing, same-origin referrers, framing only by our own pages", async () => {
    const res = await fetch(`${stack.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'self'; script-src 'self' 'nonce-/);
  });

  it("HSTS only when the page was served over https (here: the trusted proxy says so)", async () => {
    for (const path of ["/", "/signin", "/jobs/job_AAAAAAAAAAAAAAAAAAAAAA"]) {
      const overHttps = await fetch(`${stack.baseUrl}${path}`, { headers: { "x-forwarded-proto": "https" } });
      expect(overHttps.headers.get("strict-transport-security"), path).toBe("max-age=63072000; includeSubDomains");
      const overHttp = await fetch(`${stack.baseUrl}${path}`);
      expect(overHttp.headers.get("strict-transport-security"), path).toBeNull();
      await Promise.all([overHttps.arrayBuffer(), overHttp.arrayBuffer()]);
    }
  });

  it("downloads of stored files are sandboxed and never sniffed", async () => {
    const clip = await makeSilentVideo({ durationSec: 1 });
    const job = await captionFile(stack.baseUrl, clip.path, { timeoutMs: 60_000 });
    expect(job.status).toBe("completed");
    const res = await fetch(job.result?.videoUrl ?? "");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    await res.arrayBuffer();
  });
});
