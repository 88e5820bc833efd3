import { describe, expect, it } from "vitest";
import { auditSentence } from "./audit-sentence";

const JOB = "job_AAAAAAAAAAAAAAAAAAAAAA";
const say = (action: string, data: unknown, jobId: string | null = JOB) => {
  const s = auditSentence({ userEmail: "admin@x.test", action, jobId, data });
  return `${s.lead}${s.jobId ?? ""}${s.tail}`;
};

describe("audit sentences", () => {
  it.each([
    [
      "job.retry",
      { via: "console", run: 2, previous: { status: "failed", errorCode: "INVALID_MEDIA" } },
      `admin@x.test retried job ${JOB} (INVALID_MEDIA), run 2.`,
    ],
    [
      "job.retry",
      { via: "console", run: 3, previous: { status: "failed", errorCode: "RENDER_FAILED" }, bulk: true },
      `admin@x.test retried job ${JOB} (RENDER_FAILED), run 3 in a bulk retry.`,
    ],
    ["job.retry", { via: "board" }, `admin@x.test retried job ${JOB} from the queue board.`],
    [
      "job.retry_refused",
      { via: "console", run: 1 },
      `admin@x.test tried to retry job ${JOB}, but the queue was unavailable; nothing changed.`,
    ],
    [
      "job.cancel",
      { via: "console", previous: { status: "processing", phase: "extracting_audio", progress: 9 } },
      `admin@x.test canceled job ${JOB} while it was processing (extracting audio, 9%).`,
    ],
    [
      "job.cancel",
      { via: "console", previous: { status: "queued", phase: null, progress: 0 } },
      `admin@x.test canceled job ${JOB} while it was queued.`,
    ],
    [
      "job.purge",
      { via: "console", previous: { status: "completed" }, filesDeleted: 4 },
      `admin@x.test purged job ${JOB} (completed): 4 files deleted, with its transcript and caption text.`,
    ],
    [
      "job.purge",
      { via: "console", previous: { status: "failed" }, filesDeleted: 1 },
      `admin@x.test purged job ${JOB} (failed): 1 file deleted, with its transcript and caption text.`,
    ],
  ])("%s %j", (action, data, sentence) => {
    expect(say(action, data)).toBe(sentence);
  });

  it("words a bulk retry and an unknown action without raw JSON", () => {
    expect(
      say(
        "job.bulk_retry",
        { via: "console", filter: "status=failed&code=TIMEOUT", matched: 4, retried: 3, skipped: 1 },
        null,
      ),
    ).toBe("admin@x.test retried 3 of 4 failed jobs matching “status=failed&code=TIMEOUT” (1 skipped).");
    expect(say("apikey.revoked", { keyId: "k1" }, null)).toBe("admin@x.test: apikey revoked.");
    expect(say("user.unlock", { email: "ops@x.test", via: "cli", wasLockedForSec: 600 }, null)).toBe(
      "admin@x.test unlocked sign-in for ops@x.test (10 min of its cool-down left) from the command line.",
    );
    expect(say("job.note_added", null)).toBe(`admin@x.test: job note added, job ${JOB}.`);
  });
});
