import { describe, expect, test } from "vitest";
import { fromQuery, type SignedParams, signParams, toQuery, verifyParams } from "./local-signature";

const SECRET = "a-signing-secret-of-some-length";
const NOW = Date.parse("2026-03-01T12:00:00Z");
const exp = NOW / 1000 + 600;

const put: SignedParams = { op: "put", key: "uploads/abc/clip.mp4", exp, size: 1000, contentType: "video/mp4" };
const get: SignedParams = { op: "get", key: "rendered/job_x-1.mp4", exp, name: "clip.captioned.mp4" };
const part: SignedParams = { op: "part", key: "uploads/abc/clip.mp4", exp, size: 8_388_608, upload: "mp_1", part: 3 };

describe("signParams / verifyParams", () => {
  test.each([
    ["a PUT", put],
    ["a GET", get],
    ["a part", part],
  ])("%s verifies with the secret it was signed with", (_name, params) => {
    expect(verifyParams(SECRET, params, signParams(SECRET, params), NOW)).toEqual({ ok: true });
  });

  test.each<[string, Partial<SignedParams>]>([
    ["the operation", { op: "get" }],
    ["the key", { key: "uploads/abc/other.mp4" }],
    ["the expiry", { exp: exp + 3600 }],
    ["the size", { size: 1_000_000 }],
    ["a dropped size", { size: undefined }],
    ["the content type", { contentType: "video/webm" }],
    ["an added download name", { name: "x.mp4" }],
  ])("changing %s breaks the signature", (_name, change) => {
    const signature = signParams(SECRET, put);
    expect(verifyParams(SECRET, { ...put, ...change }, signature, NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test.each<[string, Partial<SignedParams>]>([
    ["the part number", { part: 4 }],
    ["the upload id", { upload: "mp_2" }],
    ["the part size", { size: 8_388_609 }],
  ])("changing %s of a part URL breaks the signature", (_name, change) => {
    expect(verifyParams(SECRET, { ...part, ...change }, signParams(SECRET, part), NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("another secret's signature is refused", () => {
    expect(verifyParams(SECRET, put, signParams("another-secret-entirely", put), NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("a signature of the wrong length is refused, not thrown", () => {
    expect(verifyParams(SECRET, put, "short", NOW)).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyParams(SECRET, put, "", NOW)).toEqual({ ok: false, reason: "bad_signature" });
  });

  test("a valid signature past its expiry is expired; up to the expiry second it is valid", () => {
    const signature = signParams(SECRET, put);
    expect(verifyParams(SECRET, put, signature, exp * 1000)).toEqual({ ok: true });
    expect(verifyParams(SECRET, put, signature, exp * 1000 + 1)).toEqual({ ok: false, reason: "expired" });
  });

  test("a forged signature is reported as bad, not as expired, even after the expiry", () => {
    expect(verifyParams(SECRET, put, "A".repeat(43), exp * 1000 + 1)).toEqual({ ok: false, reason: "bad_signature" });
  });
});

describe("toQuery / fromQuery", () => {
  test.each([
    ["a PUT", put],
    ["a GET", get],
    ["a part", part],
  ])("%s round-trips through a URL query", (_name, params) => {
    const sig = signParams(SECRET, params);
    const parsed = fromQuery(params.op, new URLSearchParams(toQuery(params, sig)));
    expect(parsed?.sig).toBe(sig);
    expect(parsed && verifyParams(SECRET, parsed.params, parsed.sig, NOW)).toEqual({ ok: true });
  });

  test("the endpoint decides the operation: a GET query read as a PUT does not verify", () => {
    const parsed = fromQuery("put", new URLSearchParams(toQuery(get, signParams(SECRET, get))));
    expect(parsed && verifyParams(SECRET, parsed.params, parsed.sig, NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test("a part URL's signature does not authorise a whole-object PUT of the same key", () => {
    const parsed = fromQuery("put", new URLSearchParams(toQuery(part, signParams(SECRET, part))));
    expect(parsed && verifyParams(SECRET, parsed.params, parsed.sig, NOW)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  test.each([
    ["no key", "exp=1&sig=x"],
    ["no signature", "key=a&exp=1"],
    ["a non-numeric expiry", "key=a&exp=soon&sig=x"],
    ["a fractional expiry", "key=a&exp=1.5&sig=x"],
    ["a non-numeric size", "key=a&exp=1&size=big&sig=x"],
    ["an unsafe size", "key=a&exp=1&size=1e300&sig=x"],
  ])("a query with %s is not a signed URL", (_name, query) => {
    expect(fromQuery("put", new URLSearchParams(query))).toBeUndefined();
  });
});
