import { describe, expect, it } from "vitest";
import { DEFAULT_BACKOFF, nextDelay, pollJob } from "./poll-job";
import { ApiRequestError, type PublicJob } from "./video-api";

function job(status: PublicJob["status"], phase: string | null, progress: number): PublicJob {
  return {
    id: "job_AAAAAAAAAAAAAAAAAAAAAA",
    status,
    phase,
    progress,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    startedAt: null,
    finishedAt: null,
    error: null,
    inputDeletedAt: null,
    inputExpiresAt: null,
    expiresAt: null,
    expiry: null,
    options: { language: null, burnIn: true, audioTrack: null, profile: "netflix-en" },
    queue: null,
    result: null,
  };
}

const FAST = { minMs: 5, maxMs: 20, factor: 2 };

describe("nextDelay", () => {
  it("grows from 1 s to at most 5 s while nothing changes, and drops back to 1 s on a change", () => {
    const delays = [DEFAULT_BACKOFF.minMs];
    for (let i = 0; i < 6; i++) delays.push(nextDelay(delays.at(-1) ?? 0, false));
    expect(delays).toEqual([1000, 1500, 2250, 3375, 5000, 5000, 5000]);
    expect(nextDelay(5000, true)).toBe(1000);
  });
});

describe("pollJob", () => {
  it("reports each change once and resolves with the final job", async () => {
    const answers = [
      job("queued", null, 0),
      job("queued", null, 0),
      job("processing", "transcribing", 30),
      job("processing", "transcribing", 30),
      job("completed", "uploading", 100),
    ];
    const seen: string[] = [];
    const final = await pollJob({
      fetchJob: async () => answers.shift() ?? job("failed", null, 0),
      onUpdate: (j) => seen.push(`${j.status}:${j.progress}`),
      signal: new AbortController().signal,
      backoff: FAST,
    });
    expect(final.status).toBe("completed");
    expect(seen).toEqual(["queued:0", "processing:30", "completed:100"]);
  });

  it("returns a job that is already final without asking the server", async () => {
    let calls = 0;
    const done = job("failed", "probing", 5);
    const final = await pollJob({
      initial: done,
      fetchJob: async () => {
        calls += 1;
        return done;
      },
      onUpdate: () => {},
      signal: new AbortController().signal,
    });
    expect(final).toBe(done);
    expect(calls).toBe(0);
  });

  it("keeps trying through server errors, and gives up on a 404 at once", async () => {
    const retries: number[] = [];
    const answers: (PublicJob | Error)[] = [
      new ApiRequestError("UNREACHABLE", "down", 0),
      new ApiRequestError("INTERNAL", "oops", 500),
      job("completed", null, 100),
    ];
    const final = await pollJob({
      fetchJob: async () => {
        const next = answers.shift();
        if (next instanceof Error) throw next;
        return next ?? job("failed", null, 0);
      },
      onUpdate: () => {},
      onRetry: (_error, failures) => retries.push(failures),
      signal: new AbortController().signal,
      backoff: FAST,
    });
    expect(final.status).toBe("completed");
    expect(retries).toEqual([1, 2]);

    const gone = pollJob({
      fetchJob: async () => {
        throw new ApiRequestError("JOB_NOT_FOUND", "No job with this id.", 404);
      },
      onUpdate: () => {},
      signal: new AbortController().signal,
      backoff: FAST,
    });
    await expect(gone).rejects.toMatchObject({ code: "JOB_NOT_FOUND" });
  });

  it("stops after maxFailures failed polls in a row, and when aborted", async () => {
    let calls = 0;
    const failing = pollJob({
      fetchJob: async () => {
        calls += 1;
        throw new ApiRequestError("UNREACHABLE", "down", 0);
      },
      onUpdate: () => {},
      maxFailures: 3,
      signal: new AbortController().signal,
      backoff: FAST,
    });
    await expect(failing).rejects.toMatchObject({ code: "UNREACHABLE" });
    expect(calls).toBe(3);

    const controller = new AbortController();
    const running = pollJob({
      fetchJob: async () => job("processing", "rendering", 60),
      onUpdate: () => controller.abort(new Error("left the page")),
      signal: controller.signal,
      backoff: FAST,
    });
    await expect(running).rejects.toThrow("left the page");
  });
});
