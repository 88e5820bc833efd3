import { readdir } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { createCaptionQueue } from "../../lib/job-contract";
import { DAY_MS, sweepRetention } from "../../lib/jobs/retention";
import { createLogger } from "../../lib/logger";
import { QUEUE_BOARD_PATH } from "../../lib/queue-board";
import { LocalStorage, splitWorkKey } from "../../lib/storage";
import { expectApiError, showServerLogOnFailure } from "../api/api-http";
import { waitForDashboard } from "../dashboard/staff";
import { getJob, uploadFile, waitForJob } from "../support/api-client";
import { makeSpeechVideo } from "../support/make-media";
import { type Stack, startStack, waitFor } from "../support/stack";
import { existing, storedJob } from "../support/stored-job";
import { adminPost, signIn } from "./staff-sessions";

// The admin's purge and the retry refusals it and retention cause, over HTTP against `next start` and a real
// worker. The purged job is one the pipeline really made, edited once, so its two versions' outputs are what
// the worker really writes: after the purge nothing of it is left under uploads/ or rendered/.

let stack: Stack;
let storage: LocalStorage;
const cookies: Record<"admin" | "ops" | "support", string | null> = { admin: null, ops: null, support: null };

beforeAll(async () => {
  stack = await startStack({ dashboard: true });
  storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
  for (const role of ["admin", "ops", "support"] as const) {
    await upsertUser(stack.db, { email: `${role}@purge.test`, role, password: `${role}-password-1` });
    cookies[role] = await signIn(stack.baseUrl, `${role}@purge.test`, `${role}-password-1`);
  }
});
afterAll(async () => {
  if (stack) {
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    await createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "")
      .obliterate({ force: true })
      .catch(() => {});
    redis.disconnect();
  }
  await stack?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

/** Files (objects and their metadata) under the data dir whose path names the job or its upload's folder. */
async function filesOf(jobId: string, inputKey: string): Promise<string[]> {
  const uploadFolder = path.dirname(inputKey);
  const entries = await readdir(stack.dataDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(stack.dataDir, path.join(entry.parentPath, entry.name)))
    .filter((file) => file.includes(jobId) || file.includes(uploadFolder))
    .sort();
}

describe("purge", () => {
  it("deletes every file of a real, edited job at once; ops and support are refused; retry says why it cannot run", async () => {
    const clip = await makeSpeechVideo({ script: "Please check the captions on this short clip before lunch." });
    const key = await uploadFile(stack.baseUrl, clip.path);
    const created = await fetch(`${stack.baseUrl}/api/video/process`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key, burnIn: false }),
    });
    expect(created.status).toBe(202);
    const { id, manageToken } = (await created.json()) as { id: string; manageToken: string };
    expect((await waitForJob(stack.baseUrl, id)).status).toBe("completed");
    // An edit renders version 2: version 1's outputs stay in storage and must be purged too.
    const edit = await fetch(`${stack.baseUrl}/api/video/job/${id}/captions`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${manageToken}` },
      body: JSON.stringify({ version: 1, cues: [{ start: 0.2, end: 2.2, text: "Edited before the purge." }] }),
    });
    expect(edit.status, await edit.clone().text()).toBe(202);
    const done = await waitForJob(stack.baseUrl, id, {
      until: (job) => job.status !== "queued" && job.status !== "processing",
    });
    expect(done).toMatchObject({ status: "completed", result: { version: 2 } });
    const oldVideoUrl = done.result?.videoUrl ?? "";
    const stored = await filesOf(id, key);
    // The input and two versions × (mp4, srt, vtt, jpg thumbnail) (the local driver adds a metadata file each).
    expect(stored.filter((f) => /rendered\/.*\.(mp4|srt|vtt|jpg)$/.test(f) && !f.endsWith(".json"))).toHaveLength(8);
    expect(await existing(storage, [key])).toEqual([key]);

    // Ops and support may read the job, not purge it: the server refuses, nothing changes.
    for (const role of ["ops", "support"] as const) {
      await expectApiError(await adminPost(stack, `/api/admin/jobs/${id}/purge`, cookies[role]), 403, "FORBIDDEN");
    }
    await expectApiError(await adminPost(stack, `/api/admin/jobs/${id}/purge`, null), 401, "UNAUTHORIZED");
    expect(await filesOf(id, key)).toEqual(stored);

    const res = await adminPost(stack, `/api/admin/jobs/${id}/purge`, cookies.admin);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { id: string; status: string; filesDeleted: number };
    expect(body).toMatchObject({ id, status: "expired" });
    expect(body.filesDeleted).toBe(9);
    expect(await filesOf(id, key)).toEqual([]);

    const job = await getJob(stack.baseUrl, id);
    expect(job).toMatchObject({ status: "expired", result: null, expiry: { reason: "purged" } });
    expect(job.expiry?.message).toBe("This job's files were deleted by an administrator.");
    await expectApiError(await fetch(oldVideoUrl), 410, "FILE_DELETED");

    const audit = await stack.db.auditLog.findMany({ where: { jobId: id } });
    expect(audit).toMatchObject([
      {
        action: "job.purge",
        userEmail: "admin@purge.test",
        data: { previous: { status: "completed" }, filesDeleted: 9 },
      },
    ]);
    const auditPage = await fetch(`${stack.baseUrl}/admin/audit`, { headers: { cookie: cookies.admin ?? "" } });
    expect(await auditPage.text()).toContain("purged job");

    // A retry explains why it cannot run instead of queueing a job that would fail with INPUT_MISSING.
    const retry = await expectApiError(
      await adminPost(stack, `/api/admin/jobs/${id}/retry`, cookies.admin),
      409,
      "INPUT_EXPIRED",
    );
    expect(retry.message).toContain("deleted");
    expect(retry.message).toContain("by an administrator");
    // A second purge has nothing left to delete.
    await expectApiError(await adminPost(stack, `/api/admin/jobs/${id}/purge`, cookies.admin), 409, "INVALID_STATE");
  });

  it("also deletes the work files a split job left behind (found by the job's prefix) and counts them", async () => {
    // A split run that no worker finished leaves `work/<jobId>/<run>/…`; no column records the run's id.
    const job = await storedJob(stack.db, storage, { status: "failed", finishedAt: new Date() });
    const work = ["seg-0.mp4", "seg-1.mp4", "audio-0.wav", "audio-1.wav", "audio.track", "plan.json"].map((name) =>
      splitWorkKey(job.id, "kX9_a2", name),
    );
    for (const key of work) {
      await storage.putStream(key, Readable.from([Buffer.alloc(256, 1)]), { contentType: "application/octet-stream" });
    }
    expect(await existing(storage, work)).toEqual(work);
    const res = await adminPost(stack, `/api/admin/jobs/${job.id}/purge`, cookies.admin);
    expect(res.status, await res.clone().text()).toBe(200);
    // The input and the six work files (a failed job has no outputs).
    expect(((await res.json()) as { filesDeleted: number }).filesDeleted).toBe(1 + work.length);
    expect(await existing(storage, [job.inputKey, ...work])).toEqual([]);
    expect(await filesOf(job.id, job.inputKey)).toEqual([]);
  });

  it("a failed job whose input retention deleted answers a retry with 409 INPUT_EXPIRED and stays failed", async () => {
    const t0 = new Date(Date.now() - 60_000);
    const job = await storedJob(stack.db, storage, { status: "failed", finishedAt: t0 });
    await sweepRetention(
      { db: stack.db, storage, log: createLogger("purge-test", "silent") },
      { inputDays: 7, outputDays: 30 },
      new Date(t0.getTime() + 8 * DAY_MS),
    );
    const error = await expectApiError(
      await adminPost(stack, `/api/admin/jobs/${job.id}/retry`, cookies.admin),
      409,
      "INPUT_EXPIRED",
    );
    expect(error.message).toMatch(/^The uploaded video was deleted on \d{4}-\d{2}-\d{2} under the retention policy/);
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "failed", errorCode: "RENDER_FAILED" });
    expect(await stack.db.auditLog.count({ where: { jobId: job.id } })).toBe(0);
  });

  it("refuses to purge a job that is still running (cancel first)", async () => {
    const job = await storedJob(stack.db, storage, { status: "processing", finishedAt: null });
    const error = await expectApiError(
      await adminPost(stack, `/api/admin/jobs/${job.id}/purge`, cookies.admin),
      409,
      "INVALID_STATE",
    );
    expect(error.message).toContain("cancel it first");
    expect(await existing(storage, [job.inputKey])).toEqual([job.inputKey]);
  });

  it("the queue board's retry of a job whose input was deleted answers 409 INPUT_EXPIRED and leaves the row alone", async () => {
    await waitForDashboard(stack);
    const t0 = new Date(Date.now() - 60_000);
    const job = await storedJob(stack.db, storage, { status: "failed", finishedAt: t0 });
    await sweepRetention(
      { db: stack.db, storage, log: createLogger("purge-test", "silent") },
      { inputDays: 7, outputDays: 30 },
      new Date(t0.getTime() + 8 * DAY_MS),
    );
    // A BullMQ entry for it, as a duplicate delivery leaves one: the worker skips the finished row (completed).
    const redis = new Redis(stack.env.REDIS_URL ?? "");
    const queue = createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    try {
      const entry = await queue.add("caption", { jobId: job.id }, { jobId: job.id });
      await waitFor(async () => (await entry.getState()) === "completed", { what: "the worker to skip the job" });
      const res = await fetch(`${stack.baseUrl}${QUEUE_BOARD_PATH}/api/queues/captions/${job.id}/retry`, {
        method: "PUT",
        headers: { cookie: cookies.admin ?? "", origin: stack.baseUrl },
      });
      const error = await expectApiError(res, 409, "INPUT_EXPIRED");
      expect(error.message).toContain("cannot run again");
      expect(await entry.getState()).toBe("completed");
    } finally {
      await queue.close();
      redis.disconnect();
    }
    expect(await stack.db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "failed" });
  });
});
