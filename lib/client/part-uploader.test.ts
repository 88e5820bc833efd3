import { describe, expect, it } from "vitest";
import { type PartTicket, type SendPart, sendPlan, type UploadPlan } from "./part-uploader";
import { ApiRequestError } from "./video-api";

// The uploader's scheduling and retry rules, with the transport replaced by functions (the HTTP side is
// covered end to end in tests/api/multipart-upload.test.ts, tests/cli and tests/e2e).

const FAST = { attempts: 4, minMs: 1, maxMs: 5 };

function planOf(size: number, partSize: number, urlVersion = 1): UploadPlan {
  const partCount = Math.ceil(size / partSize);
  return {
    key: "uploads/x/a.mp4",
    uploadId: "upl_test",
    status: "open",
    size,
    partSize,
    partCount,
    parts: Array.from({ length: partCount }, (_, i) => ({ partNumber: i + 1, url: `v${urlVersion}/part/${i + 1}` })),
    uploadedParts: [],
    completeUrl: "/complete",
    abortUrl: "/abort",
    statusUrl: "/status",
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    planExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  };
}

/** A fetch for the status and complete calls that records what was completed. */
function apiFetch(fresh: () => UploadPlan, completed: unknown[]): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    if (url === "/complete") {
      completed.push(JSON.parse(String(init?.body)));
      return Response.json({ key: "uploads/x/a.mp4", size: 1, status: "completed" });
    }
    return Response.json(fresh());
  }) as typeof fetch;
}

describe("sendPlan", () => {
  it("keeps at most 4 parts in flight, sends each once and completes with every ETag in order", async () => {
    let active = 0;
    let peak = 0;
    const sent: number[] = [];
    const sendPart: SendPart = async (ticket, range, onProgress) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      onProgress(range.end - range.start);
      active -= 1;
      sent.push(ticket.partNumber);
      return `"etag-${ticket.partNumber}"`;
    };
    const completed: unknown[] = [];
    const progress: number[] = [];
    const key = await sendPlan({
      plan: planOf(10_500, 1000),
      sendPart,
      signal: new AbortController().signal,
      fetchImpl: apiFetch(() => planOf(10_500, 1000), completed),
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(key).toBe("uploads/x/a.mp4");
    expect(peak).toBe(4);
    expect(sent.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(completed).toEqual([
      { parts: Array.from({ length: 11 }, (_, i) => ({ partNumber: i + 1, etag: `etag-${i + 1}` })) },
    ]);
    expect(progress.at(-1)).toBe(10_500);
  });

  it("retries a part after network errors, and the progress never goes backwards", async () => {
    let failuresLeft = 2;
    const retries: number[] = [];
    const progress: number[] = [];
    const sendPart: SendPart = async (ticket, range, onProgress) => {
      onProgress(Math.floor((range.end - range.start) / 2));
      if (ticket.partNumber === 2 && failuresLeft-- > 0) throw new ApiRequestError("UPLOAD_INTERRUPTED", "drop", 0);
      onProgress(range.end - range.start);
      return `etag-${ticket.partNumber}`;
    };
    await sendPlan({
      plan: planOf(3000, 1000),
      sendPart,
      retry: FAST,
      concurrency: 1,
      signal: new AbortController().signal,
      fetchImpl: apiFetch(() => planOf(3000, 1000), []),
      onRetry: (_error, partNumber, failures) => retries.push(partNumber * 10 + failures),
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(retries).toEqual([21, 22]);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it("fetches fresh part URLs after a 403 (expired URL) and skips parts the storage already has", async () => {
    const used: string[] = [];
    const sendPart: SendPart = async (ticket: PartTicket) => {
      used.push(ticket.url);
      if (ticket.url.startsWith("v1/")) throw new ApiRequestError("URL_EXPIRED", "expired", 403);
      return `etag-${ticket.partNumber}`;
    };
    const fresh = () => ({
      ...planOf(2000, 1000, 2),
      parts: [{ partNumber: 2, url: "v2/part/2" }],
      uploadedParts: [{ partNumber: 1, etag: "etag-1", size: 1000 }],
    });
    const completed: unknown[] = [];
    await sendPlan({
      plan: planOf(2000, 1000),
      sendPart,
      retry: FAST,
      concurrency: 1,
      signal: new AbortController().signal,
      fetchImpl: apiFetch(fresh, completed),
    });
    expect(used).toEqual(["v1/part/1", "v2/part/2"]);
    expect(completed).toEqual([
      {
        parts: [
          { partNumber: 1, etag: "etag-1" },
          { partNumber: 2, etag: "etag-2" },
        ],
      },
    ]);
  });

  it("gives up at once when the upload is gone, and after `attempts` failures in a row otherwise", async () => {
    const gone = sendPlan({
      plan: planOf(1000, 1000),
      sendPart: async () => {
        throw new ApiRequestError("UPLOAD_NOT_FOUND", "gone", 404);
      },
      retry: FAST,
      signal: new AbortController().signal,
      fetchImpl: apiFetch(() => planOf(1000, 1000), []),
    });
    await expect(gone).rejects.toMatchObject({ code: "UPLOAD_NOT_FOUND" });

    let tries = 0;
    const flaky = sendPlan({
      plan: planOf(1000, 1000),
      sendPart: async () => {
        tries += 1;
        throw new ApiRequestError("HTTP_503", "busy", 503);
      },
      retry: FAST,
      signal: new AbortController().signal,
      fetchImpl: apiFetch(() => planOf(1000, 1000), []),
    });
    await expect(flaky).rejects.toMatchObject({ code: "HTTP_503" });
    expect(tries).toBe(FAST.attempts);
  });

  it("does not count waiting for the network as a failed try", async () => {
    let tries = 0;
    await sendPlan({
      plan: planOf(1000, 1000),
      sendPart: async () => {
        tries += 1;
        if (tries <= 6) throw new ApiRequestError("UPLOAD_INTERRUPTED", "offline", 0);
        return "etag";
      },
      retry: FAST,
      // As the page does while the browser is offline: the wait ends when the network is back.
      waitBeforeRetry: async () => true,
      signal: new AbortController().signal,
      fetchImpl: apiFetch(() => planOf(1000, 1000), []),
    });
    expect(tries).toBe(7);
  });
});
