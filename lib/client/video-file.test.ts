import { describe, expect, it } from "vitest";
import { isVideoContentType, formatBytes as serverFormatBytes } from "../video/upload";
import { formatBytes } from "./human-units";
import { checkVideoFile, videoContentType } from "./video-file";

const MiB = 1024 * 1024;

describe("checkVideoFile", () => {
  it.each([
    [
      { name: "talk.mp4", type: "video/mp4", size: MiB },
      { ok: true, contentType: "video/mp4" },
    ],
    [
      { name: "clip.MKV", type: "", size: MiB },
      { ok: true, contentType: "video/x-matroska" },
    ],
    [
      { name: "clip.mov", type: "application/octet-stream", size: MiB },
      { ok: true, contentType: "video/quicktime" },
    ],
    [
      { name: "notes.txt", type: "text/plain", size: 10 },
      {
        ok: false,
        message: "“notes.txt” is not a video (text/plain). Choose a video file such as MP4, MOV, MKV or WebM.",
      },
    ],
    [
      { name: "song.m4a", type: "audio/mp4", size: MiB },
      {
        ok: false,
        message: "“song.m4a” is not a video (audio/mp4). Choose a video file such as MP4, MOV, MKV or WebM.",
      },
    ],
    [
      { name: "README", type: "", size: 10 },
      { ok: false, message: "“README” is not a video. Choose a video file such as MP4, MOV, MKV or WebM." },
    ],
    [
      { name: "empty.mp4", type: "video/mp4", size: 0 },
      { ok: false, message: "“empty.mp4” is empty." },
    ],
    [
      { name: "big.webm", type: "video/webm", size: 6 * MiB },
      { ok: false, message: "“big.webm” is 6 MiB; the limit is 5 MiB." },
    ],
  ])("%o → %o", (file, expected) => {
    expect(checkVideoFile(file, 5 * MiB)).toEqual(expected);
  });

  it("never sends a type the server would refuse, and formats sizes like the server's messages", () => {
    const names = ["a.mp4", "a.m4v", "a.mov", "a.mkv", "a.webm", "a.avi", "a.mpg", "a.ts", "a.3gp", "a.ogv", "a.flv"];
    for (const name of names) {
      const type = videoContentType(name);
      expect(type, name).not.toBeNull();
      expect(isVideoContentType(type ?? ""), name).toBe(true);
    }
    for (const type of ["video/mp4", "video/x-matroska", "application/mp4", "text/plain", "audio/mpeg", "image/png"]) {
      expect(videoContentType("x", type) !== null, type).toBe(isVideoContentType(type));
    }
    for (const bytes of [1, 1023, 5 * MiB, 1.5 * MiB, 2 * 1024 ** 3])
      expect(formatBytes(bytes)).toBe(serverFormatBytes(bytes));
  });
});
