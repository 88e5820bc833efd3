import { describe, expect, it } from "vitest";
import { ApiError, JSON_BODY_LIMIT_BYTES, readJson } from "./errors";

// readJson bounds what it reads: a body over the limit is refused on its declared length, or as soon as a
// streamed body passes the limit — the rest is never pulled from the client.

function post(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request("http://app.test/api/video/upload", {
    method: "POST",
    body,
    headers,
    duplex: "half",
  } as RequestInit);
}

/** An endless body of spaces; counts how many bytes the reader pulled. */
function endlessBody(chunkBytes: number) {
  const stats = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      stats.pulled += chunkBytes;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
    },
  });
  return { stream, stats };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof ApiError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe("readJson", () => {
  it.each<[string, () => Request, string]>([
    ["a small object", () => post('{"a":1}'), "ok"],
    ["exactly the limit", () => post(`{}${" ".repeat(JSON_BODY_LIMIT_BYTES - 2)}`), "ok"],
    ["one byte over the limit", () => post(`{}${" ".repeat(JSON_BODY_LIMIT_BYTES - 1)}`), "413 PAYLOAD_TOO_LARGE"],
    [
      "a declared length over the limit (body not even sent)",
      () => post(null, { "content-length": "10000000" }),
      "413 PAYLOAD_TOO_LARGE",
    ],
    ["an empty body", () => post(null), "400 INVALID_JSON"],
    ["malformed JSON", () => post("{"), "400 INVALID_JSON"],
  ])("%s → %s", async (_name, request, expected) => {
    expect(await codeOf(readJson(request()))).toBe(expected);
  });

  it("stops reading an endless body just past the limit", async () => {
    const { stream, stats } = endlessBody(4096);
    expect(await codeOf(readJson(post(stream)))).toBe("413 PAYLOAD_TOO_LARGE");
    // Streams read ahead a little (high-water mark); nowhere near the whole body.
    expect(stats.pulled).toBeLessThan(JSON_BODY_LIMIT_BYTES + 4 * 4096);
  });

  it("the refusal names the limit", async () => {
    await expect(readJson(post("x".repeat(3000)), 2048)).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: "The request body is larger than 2 KiB.",
      extra: { maxBytes: 2048 },
    });
  });
});
