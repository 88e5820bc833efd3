import { describe, expect, it } from "vitest";
import { fetchWithApiKey, isApiCall } from "./api-key-fetch";

describe("the CLI's API key goes to the API only", () => {
  it.each([
    ["http://127.0.0.1:3000/api/video/upload", true],
    ["http://127.0.0.1:3000/api/video/job/job_x?x=1", true],
    // The local driver's signed storage routes and presigned S3 URLs: signed already, never the key.
    ["http://127.0.0.1:3000/api/storage/upload?key=uploads/a.mp4&sig=x", false],
    ["https://bucket.r2.cloudflarestorage.com/uploads/a.mp4?X-Amz-Signature=x", false],
    // Another port or host, even on the same path.
    ["http://127.0.0.1:3001/api/video/upload", false],
    ["http://evil.example/api/video/upload", false],
    ["http://127.0.0.1:3000/jobs/job_x", false],
    ["not a url", false],
  ])("%s → %s", (url, expected) => {
    expect(isApiCall(url, "http://127.0.0.1:3000")).toBe(expected);
  });

  it("adds the bearer header, keeping the request's own headers", async () => {
    const seen: { url: string; headers: Headers }[] = [];
    const spy = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), headers: new Headers(init?.headers) });
      return new Response("{}");
    }) as typeof fetch;
    const keyed = fetchWithApiKey(spy, "http://127.0.0.1:3000", "cap_secret");
    await keyed("http://127.0.0.1:3000/api/video/process", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": "k1" },
    });
    await keyed("http://127.0.0.1:3000/api/storage/upload?sig=x", { method: "PUT", headers: { "x-a": "1" } });
    expect(Object.fromEntries(seen[0]?.headers ?? [])).toEqual({
      authorization: "Bearer cap_secret",
      "content-type": "application/json",
      "idempotency-key": "k1",
    });
    expect(seen[1]?.headers.get("authorization")).toBeNull();
    expect(seen[1]?.headers.get("x-a")).toBe("1");
  });
});
