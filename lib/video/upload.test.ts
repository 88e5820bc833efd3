import { describe, expect, test } from "vitest";
import { formatBytes, isVideoContentType, uploadRequestSchema } from "./upload";

describe("isVideoContentType", () => {
  test.each([
    ["video/mp4", true],
    ["video/quicktime", true],
    ["video/x-matroska", true],
    ["video/webm", true],
    ["video/3gpp2", true],
    ["application/mp4", true],
    ["video/", false],
    ["video", false],
    ["video/mp4; codecs=avc1", false],
    ["audio/mp4", false],
    ["image/gif", false],
    ["application/octet-stream", false],
    ["text/html", false],
    ["", false],
  ])("%j → %s", (contentType, accepted) => {
    expect(isVideoContentType(contentType)).toBe(accepted);
  });
});

test("the upload request normalises the content type before it is checked and signed", () => {
  expect(uploadRequestSchema.parse({ filename: " a.mp4 ", contentType: " Video/MP4 ", size: 1 })).toEqual({
    filename: "a.mp4",
    contentType: "video/mp4",
    size: 1,
  });
});

describe("formatBytes (the size limit in the 413 message)", () => {
  test.each([
    [0, "0 bytes"],
    [1023, "1023 bytes"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [64 * 1024, "64 KiB"],
    [500 * 1024 * 1024, "500 MiB"],
    [2 * 1024 ** 3, "2 GiB"],
    [5 * 1024 ** 4, "5 TiB"],
  ])("%i → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
