import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalStorage } from "../../lib/storage";
import { signParams, toQuery } from "../../lib/storage/local-signature";
import { type Stack, startStack } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";

// POST /api/video/upload and the local driver's signed PUT (/api/storage/upload), against `next start`.

const MAX_UPLOAD_BYTES = 64 * 1024;

let stack: Stack;
let storage: LocalStorage;
let secret: string;

beforeAll(async () => {
  stack = await startStack({ worker: false, env: { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) } });
  secret = stack.env.STORAGE_SIGNING_SECRET ?? "";
  storage = new LocalStorage(stack.dataDir, secret);
});
afterAll(async () => {
  await stack?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

const valid = { filename: "holiday clip.mp4", contentType: "video/mp4", size: 1000 };

interface UploadTicketBody {
  key: string;
  uploadUrl: string;
  method: string;
  headers: Record<string, string>;
  expiresAt: string;
}

async function ticketFor(body: { filename: string; contentType: string; size: number }): Promise<UploadTicketBody> {
  const res = await postJson(`${stack.baseUrl}/api/video/upload`, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as UploadTicketBody;
}

function withQuery(url: string, change: (q: URLSearchParams) => void): string {
  const parsed = new URL(url);
  change(parsed.searchParams);
  return parsed.toString();
}

/** What the server holds for `key`: the exact bytes, or null. */
async function stored(key: string): Promise<Buffer | null> {
  if (!(await storage.head(key))) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.getStream(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The public way to ask "does this upload exist?": process answers 404 INPUT_NOT_FOUND when it does not. */
async function expectNoUpload(key: string) {
  await expectApiError(await postJson(`${stack.baseUrl}/api/video/process`, { key }), 404, "INPUT_NOT_FOUND");
  expect(await stored(key)).toBeNull();
}

describe("POST /api/video/upload", () => {
  test("201 with a signed PUT URL, the headers to send and its expiry", async () => {
    const started = Date.now();
    const res = await postJson(`${stack.baseUrl}/api/video/upload`, valid);
    expect(res.status).toBe(201);
    const body = (await res.json()) as UploadTicketBody;
    expect(body).toMatchObject({ method: "PUT", headers: { "Content-Type": "video/mp4" } });
    expect(body.key).toMatch(/^uploads\/[A-Za-z0-9_-]{16}\/holiday_clip\.mp4$/);
    expect(new URL(body.uploadUrl).origin).toBe(stack.baseUrl);
    const expiresIn = Date.parse(body.expiresAt) - started;
    expect(expiresIn).toBeGreaterThan(3590_000);
    expect(expiresIn).toBeLessThan(3610_000);
  });

  test("every ticket gets its own key, and a path in the filename cannot leave uploads/", async () => {
    const a = await ticketFor({ ...valid, filename: "../../etc/passwd.mp4" });
    const b = await ticketFor({ ...valid, filename: "../../etc/passwd.mp4" });
    expect(a.key).not.toBe(b.key);
    expect(a.key).toMatch(/^uploads\/[A-Za-z0-9_-]{16}\/passwd\.mp4$/);
  });

  test.each([
    ["video/quicktime", "video/quicktime"],
    ["video/webm", "video/webm"],
    [" VIDEO/MP4 ", "video/mp4"],
    ["application/mp4", "application/mp4"],
  ])("accepts %j and signs it as %s", async (contentType, signed) => {
    const ticket = await ticketFor({ ...valid, contentType });
    expect(ticket.headers["Content-Type"]).toBe(signed);
  });

  test("accepts a size of exactly MAX_UPLOAD_BYTES", async () => {
    await ticketFor({ ...valid, size: MAX_UPLOAD_BYTES });
  });

  const errorCases: [string, unknown, number, string, string?][] = [
    ["malformed JSON", '{"filename": "a.mp4",', 400, "INVALID_JSON"],
    ["an empty body", "", 400, "INVALID_JSON"],
    ["a whitespace body", " \n ", 400, "INVALID_JSON"],
    ["JSON null", "null", 400, "VALIDATION_ERROR"],
    ["a JSON array", "[]", 400, "VALIDATION_ERROR"],
    ["a JSON string", '"clip.mp4"', 400, "VALIDATION_ERROR"],
    ["no filename", { contentType: "video/mp4", size: 10 }, 400, "VALIDATION_ERROR", "filename"],
    ["no contentType", { filename: "a.mp4", size: 10 }, 400, "VALIDATION_ERROR", "contentType"],
    ["no size", { filename: "a.mp4", contentType: "video/mp4" }, 400, "VALIDATION_ERROR", "size"],
    ["an extra field", { ...valid, bucket: "other" }, 400, "VALIDATION_ERROR", "bucket"],
    ["a numeric filename", { ...valid, filename: 42 }, 400, "VALIDATION_ERROR", "filename"],
    ["an empty filename", { ...valid, filename: "" }, 400, "VALIDATION_ERROR", "filename"],
    ["a blank filename", { ...valid, filename: "   " }, 400, "VALIDATION_ERROR", "filename"],
    ["a 256-character filename", { ...valid, filename: `${"a".repeat(252)}.mp4` }, 400, "VALIDATION_ERROR"],
    ["a numeric contentType", { ...valid, contentType: 7 }, 400, "VALIDATION_ERROR", "contentType"],
    ["size as a string", { ...valid, size: "1000" }, 400, "VALIDATION_ERROR", "size"],
    ["size null", { ...valid, size: null }, 400, "VALIDATION_ERROR", "size"],
    ["size zero", { ...valid, size: 0 }, 400, "VALIDATION_ERROR", "size"],
    ["a negative size", { ...valid, size: -1 }, 400, "VALIDATION_ERROR", "size"],
    ["a fractional size", { ...valid, size: 10.5 }, 400, "VALIDATION_ERROR", "size"],
    ["image/png", { ...valid, contentType: "image/png" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["audio/mpeg", { ...valid, contentType: "audio/mpeg" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["text/plain", { ...valid, contentType: "text/plain" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["application/octet-stream", { ...valid, contentType: "application/octet-stream" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ['"video/" without a subtype', { ...valid, contentType: "video/" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["an empty contentType", { ...valid, contentType: "" }, 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["one byte over MAX_UPLOAD_BYTES", { ...valid, size: MAX_UPLOAD_BYTES + 1 }, 413, "UPLOAD_TOO_LARGE"],
    ["the largest safe integer size", { ...valid, size: Number.MAX_SAFE_INTEGER }, 413, "UPLOAD_TOO_LARGE"],
  ];

  test.each(errorCases)("%s → %i %s", async (_name, body, status, code, mentions) => {
    const error = await expectApiError(await postJson(`${stack.baseUrl}/api/video/upload`, body), status, code);
    if (mentions) expect(error.message).toContain(mentions);
    if (code === "UPLOAD_TOO_LARGE") {
      expect(error.maxBytes).toBe(MAX_UPLOAD_BYTES);
      expect(error.message).toContain("64 KiB");
    }
  });
});

describe("PUT to the upload URL (local driver)", () => {
  test("200 and the bytes are stored exactly, with the signed content type", async () => {
    const body = randomBytes(5000);
    const ticket = await ticketFor({ ...valid, size: body.length });
    const res = await fetch(ticket.uploadUrl, { method: "PUT", headers: ticket.headers, body });
    expect(res.status).toBe(200);
    expect((await stored(ticket.key))?.equals(body)).toBe(true);
    expect(await storage.head(ticket.key)).toEqual({ size: body.length, contentType: "video/mp4" });
  });

  const tampered: [string, (ticket: UploadTicketBody) => { url: string; contentType: string }][] = [
    [
      "a changed signature",
      (t) => ({
        url: withQuery(t.uploadUrl, (q) => q.set("sig", flipLastChar(q.get("sig") ?? ""))),
        contentType: "video/mp4",
      }),
    ],
    ["no signature", (t) => ({ url: withQuery(t.uploadUrl, (q) => q.delete("sig")), contentType: "video/mp4" })],
    [
      "a changed key",
      (t) => ({
        url: withQuery(t.uploadUrl, (q) => q.set("key", `uploads/${randomBytes(12).toString("base64url")}/x.mp4`)),
        contentType: "video/mp4",
      }),
    ],
    [
      "a larger size",
      (t) => ({ url: withQuery(t.uploadUrl, (q) => q.set("size", "60000")), contentType: "video/mp4" }),
    ],
    [
      "a later expiry",
      (t) => ({
        url: withQuery(t.uploadUrl, (q) => q.set("exp", String(Number(q.get("exp")) + 86_400))),
        contentType: "video/mp4",
      }),
    ],
    [
      "a changed signed type (and a matching header)",
      (t) => ({ url: withQuery(t.uploadUrl, (q) => q.set("type", "video/webm")), contentType: "video/webm" }),
    ],
    ["a Content-Type other than the signed one", (t) => ({ url: t.uploadUrl, contentType: "video/webm" })],
  ];

  test.each(tampered)("403 INVALID_SIGNATURE for %s, and nothing is stored", async (_name, tamper) => {
    const ticket = await ticketFor({ ...valid, size: 100 });
    const { url, contentType } = tamper(ticket);
    const res = await fetch(url, { method: "PUT", headers: { "Content-Type": contentType }, body: randomBytes(100) });
    await expectApiError(res, 403, "INVALID_SIGNATURE");
    await expectNoUpload(ticket.key);
  });

  test("403 URL_EXPIRED for a correctly signed URL whose expiry has passed", async () => {
    const key = `uploads/${randomBytes(12).toString("base64url")}/late.mp4`;
    const params = {
      op: "put" as const,
      key,
      exp: Math.floor(Date.now() / 1000) - 5,
      size: 100,
      contentType: "video/mp4",
    };
    const url = `${stack.baseUrl}/api/storage/upload?${toQuery(params, signParams(secret, params))}`;
    const res = await fetch(url, { method: "PUT", headers: { "Content-Type": "video/mp4" }, body: randomBytes(100) });
    await expectApiError(res, 403, "URL_EXPIRED");
    await expectNoUpload(key);
  });

  test("a download URL's signature does not authorise an upload to the same key", async () => {
    const key = `uploads/${randomBytes(12).toString("base64url")}/swap.mp4`;
    const downloadUrl = await storage.createDownloadUrl(key, { expiresInSec: 60, baseUrl: stack.baseUrl });
    const url = downloadUrl.replace("/api/storage/download?", "/api/storage/upload?");
    const res = await fetch(url, { method: "PUT", headers: { "Content-Type": "video/mp4" }, body: randomBytes(100) });
    await expectApiError(res, 403, "INVALID_SIGNATURE");
    await expectNoUpload(key);
  });

  test("413 for a body over the signed size (declared in Content-Length), and no object is left", async () => {
    const ticket = await ticketFor({ ...valid, size: 1000 });
    const res = await fetch(ticket.uploadUrl, { method: "PUT", headers: ticket.headers, body: randomBytes(1001) });
    await expectApiError(res, 413, "UPLOAD_TOO_LARGE");
    await expectNoUpload(ticket.key);
  });

  test("411 for a streamed body without Content-Length (as S3 requires one), and nothing is stored", async () => {
    const ticket = await ticketFor({ ...valid, size: 20_000 });
    const chunks = Array.from({ length: 8 }, () => randomBytes(4096));
    const res = await fetch(ticket.uploadUrl, {
      method: "PUT",
      headers: ticket.headers,
      body: Readable.toWeb(Readable.from(chunks)) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    await expectApiError(res, 411, "LENGTH_REQUIRED");
    await expectNoUpload(ticket.key);
  });

  test("a streamed body with its Content-Length is stored exactly", async () => {
    const chunks = Array.from({ length: 5 }, () => randomBytes(4096));
    const body = Buffer.concat(chunks);
    const ticket = await ticketFor({ ...valid, size: body.length });
    const res = await fetch(ticket.uploadUrl, {
      method: "PUT",
      headers: { ...ticket.headers, "Content-Length": String(body.length) },
      body: Readable.toWeb(Readable.from(chunks)) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect((await stored(ticket.key))?.equals(body)).toBe(true);
  });
});

// Last in the file: nothing above may have crashed a request handler inside the server.
test("the server logged no uncaught exception", () => {
  expect(stack.app.output()).not.toMatch(/uncaughtException|unhandledRejection/);
});

function flipLastChar(value: string): string {
  const last = value.at(-1);
  return value.slice(0, -1) + (last === "A" ? "B" : "A");
}
