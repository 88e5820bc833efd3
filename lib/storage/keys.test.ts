import { describe, expect, test } from "vitest";
import { isValidObjectKey, newUploadKey, outputKeys } from "./keys";

describe("newUploadKey", () => {
  test.each([
    ["clip.mp4", "clip.mp4"],
    ["holiday clip (final).mov", "holiday_clip_final_.mov"],
    ["vidéo d'été.mp4", "vid_o_d_t_.mp4"],
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\me\\Videos\\talk.webm", "talk.webm"],
    [".hidden.mp4", "hidden.mp4"],
    ["..", "video"],
    ["???", "video"],
    [`${"a".repeat(300)}.mp4`, `${"a".repeat(96)}.mp4`],
  ])("%j → uploads/<random>/%s, a key the process API accepts", (filename, safeName) => {
    const key = newUploadKey(filename);
    expect(key).toMatch(/^uploads\/[A-Za-z0-9_-]{16}\//);
    expect(key.split("/")[2]).toBe(safeName);
    expect(isValidObjectKey(key)).toBe(true);
  });

  test("two uploads of the same file get different keys", () => {
    expect(newUploadKey("clip.mp4")).not.toBe(newUploadKey("clip.mp4"));
  });
});

test("outputKeys share one stem under rendered/ with the job id and the run's time", () => {
  expect(outputKeys("job_abc", new Date(1_700_000_000_000))).toEqual({
    video: "rendered/job_abc-1700000000000.mp4",
    srt: "rendered/job_abc-1700000000000.srt",
    vtt: "rendered/job_abc-1700000000000.vtt",
    thumbnail: "rendered/job_abc-1700000000000.jpg",
  });
});

describe("isValidObjectKey", () => {
  test.each([
    ["uploads/abc/clip.mp4", true],
    ["rendered/job_abc-1.mp4", true],
    ["uploads/../x", false],
    ["uploads/./x", false],
    ["uploads//x", false],
    ["/etc/passwd", false],
    ["uploads/x/", false],
    ["uploads/a b.mp4", false],
    ["uploads/a%2F..", false],
    ["uploads\\..\\x", false],
    ["uploads/a\nb", false],
    ["", false],
    [`uploads/${"a".repeat(504)}`, true],
    [`uploads/${"a".repeat(505)}`, false],
  ])("%j → %s", (key, valid) => {
    expect(isValidObjectKey(key)).toBe(valid);
  });
});
