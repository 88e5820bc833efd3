import { describe, expect, it } from "vitest";
import { DAY_MS, retentionDeadlines } from "./retention";

const finishedAt = new Date("2026-11-01T10:00:00.000Z");
const at = (days: number) => new Date(finishedAt.getTime() + days * DAY_MS);
const policy = { inputDays: 7, outputDays: 30 };

describe("retentionDeadlines", () => {
  it.each([
    ["a completed job", { status: "completed", finishedAt, inputDeletedAt: null }, policy, [at(7), at(30)]],
    ["a failed job", { status: "failed", finishedAt, inputDeletedAt: null }, policy, [at(7), at(30)]],
    ["its input already gone", { status: "completed", finishedAt, inputDeletedAt: at(7) }, policy, [null, at(30)]],
    ["a running job", { status: "processing", finishedAt: null, inputDeletedAt: null }, policy, [null, null]],
    // An edit puts a completed job back to queued: its old finishedAt no longer counts.
    [
      "a queued job with an old finishedAt",
      { status: "queued", finishedAt, inputDeletedAt: null },
      policy,
      [null, null],
    ],
    ["an expired job", { status: "expired", finishedAt, inputDeletedAt: at(7) }, policy, [null, null]],
    [
      "outputs kept forever",
      { status: "completed", finishedAt, inputDeletedAt: null },
      { inputDays: 7, outputDays: 0 },
      [at(7), null],
    ],
    // The input goes with the files when it would otherwise be kept longer (or forever).
    [
      "input kept, files not",
      { status: "completed", finishedAt, inputDeletedAt: null },
      { inputDays: 0, outputDays: 30 },
      [at(30), at(30)],
    ],
    ["no schedule known", { status: "completed", finishedAt, inputDeletedAt: null }, null, [null, null]],
  ] as const)("%s", (_name, job, given, [inputExpiresAt, expiresAt]) => {
    expect(retentionDeadlines(job, given)).toEqual({ inputExpiresAt, expiresAt });
  });
});
