import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// Public JSON bodies are bounded (64 KiB) and refused before being buffered, whether the client declares
// the size or streams without one; and a storage key that names a path under a file is a 404, not a 500.

const LIMIT = 64 * 1024;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

/** Streams chunks of `chunkBytes` without a Content-Length until the server answers; reports what was sent. */
function streamUntilAnswered(path: string, chunkBytes: number, maxBytes: number) {
  return new Promise<{ status: number; body: string; sentBytes: number }>((resolve, reject) => {
    const url = new URL(path, stack.baseUrl);
    let sentBytes = 0;
    let answered = false;
    const req = httpRequest(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, sentBytes }));
    });
    // The server may close the connection after answering; what matters is the answer.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(chunkBytes, " ");
    req.write("{");
    const pump = () => {
      if (answered || req.destroyed) return;
      if (sentBytes >= maxBytes) {
        req.end("}");
        return;
      }
      sentBytes += chunkBytes;
      req.write(chunk);
      setTimeout(pump, 10);
    };
    pump();
  });
}

describe("bounded JSON bodies", () => {
  it.each(["/api/video/upload", "/api/video/process"])("%s: a declared body over 64 KiB is a 413", async (path) => {
    const body = JSON.stringify({ filename: "a.mp4", pad: "x".repeat(LIMIT) });
    const error = await expectApiError(await postJson(`${stack.baseUrl}${path}`, body), 413, "PAYLOAD_TOO_LARGE");
    expect(error.message).toBe("The request body is larger than 64 KiB.");
    expect(error.maxBytes).toBe(LIMIT);
  });

  it.each(["/api/video/upload", "/api/video/process"])(
    "%s: a streamed body without a length is refused once it passes 64 KiB, before the client has finished",
    async (path) => {
      const answer = await streamUntilAnswered(path, 16 * 1024, 8 * 1024 * 1024);
      expect(answer.status, answer.body).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe("PAYLOAD_TOO_LARGE");
      // The server answered while the client was still sending (it would have sent 8 MiB).
      expect(answer.sentBytes).toBeLessThan(4 * 1024 * 1024);
    },
  );

  it("a body just under the limit is read as usual", async () => {
    const json = JSON.stringify({ filename: "padded.mp4", contentType: "video/mp4", size: 1000 });
    const padded = json.padEnd(LIMIT - 1, " ");
    const res = await postJson(`${stack.baseUrl}/api/video/upload`, padded);
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it("after all that the app is healthy and logged no crash", async () => {
    expect((await fetch(`${stack.baseUrl}/api/health`)).status).toBe(200);
    expect(stack.app.output()).not.toMatch(/uncaught|unhandled/i);
  });
});

describe("storage keys", () => {
  it("a process key naming a path under an uploaded file (ENOTDIR) is a 404, not a 500", async () => {
    const key = await uploadBytes(stack.baseUrl, "clip.mp4");
    const res = await postJson(`${stack.baseUrl}/api/video/process`, { key: `${key}/inside.mp4` });
    await expectApiError(res, 404, "INPUT_NOT_FOUND");
  });
});
