import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { upsertUser } from "../../lib/auth/users";
import { createCaptionQueue, createSegmentQueue } from "../../lib/job-contract";
import { adminPost, signIn } from "../admin/staff-sessions";
import { submitJob, uploadFile } from "../support/api-client";
import { makeKeyframedSpeechVideo } from "../support/make-media";
import { type S3TestServer, startS3Server } from "../support/s3-server";
import { type Stack, startStack, waitFor } from "../support/stack";
import { startThrottleProxy, type ThrottleProxy } from "../support/throttle-proxy";

// A split job's work files (`work/<jobId>/<run>/…`) on the s3 driver (s3rver, not R2), reached over a link
// with 30 ms of latency each way, as a bucket in another region would be: the parent's uploads then take
// seconds, so a cancel lands while only the parent's attempt knows the run's id. Whatever the moment of the
// cancel, nothing may stay under the job's prefix (the run id is in no column: cleanups list the prefix).

const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer.";

let s3: S3TestServer;
let link: ThrottleProxy;
let stack: Stack;
let bucket: S3Client;
let redis: Redis;
let clip: { path: string };
let cookie: string | null;

/** Keys under work/<jobId>/ in the bucket, read directly from the S3 server. */
async function workKeys(jobId: string): Promise<string[]> {
  const listed = await bucket.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `work/${jobId}/` }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "");
}

beforeAll(async () => {
  s3 = await startS3Server();
  link = await startThrottleProxy({ targetPort: Number(new URL(s3.endpoint).port), latencyMs: 30 });
  clip = await makeKeyframedSpeechVideo({ script: SCRIPT, keyframeEverySec: 2 });
  stack = await startStack({
    env: {
      R2_ENDPOINT: link.url,
      R2_BUCKET_NAME: s3.bucket,
      R2_ACCESS_KEY_ID: s3.config.accessKeyId,
      R2_SECRET_ACCESS_KEY: s3.config.secretAccessKey,
      R2_REGION: "us-east-1",
    },
    // ~2 s segments of a ~9 s talk: several segments, two files each to upload.
    workerEnv: { TRANSCRIBER: "pocketsphinx", SPLIT_MIN_SEC: "5", SPLIT_SEGMENT_SEC: "2" },
  });
  bucket = new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: s3.config.accessKeyId, secretAccessKey: s3.config.secretAccessKey },
  });
  redis = new Redis(stack.env.REDIS_URL ?? "");
  await upsertUser(stack.db, { email: "admin@split-s3.test", role: "admin", password: "admin-password-1" });
  cookie = await signIn(stack.baseUrl, "admin@split-s3.test", "admin-password-1");
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  redis?.disconnect();
  bucket?.destroy();
  await link?.close();
  await s3?.stop();
});

describe("split work files on S3 after a cancel", () => {
  it("a cancel while the parent uploads: the parent deletes what it uploaded and queues no segment", async () => {
    const segmentQueue = createSegmentQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    try {
      const key = await uploadFile(stack.baseUrl, clip.path);
      const id = await submitJob(stack.baseUrl, { key });
      await waitFor(async () => (await workKeys(id)).length > 0, {
        timeoutMs: 60_000,
        intervalMs: 10,
        what: "the first uploaded work file",
      });
      const res = await adminPost(stack, `/api/admin/jobs/${id}/cancel`, cookie);
      expect(res.status, await res.clone().text()).toBe(200);
      // The parent's own timeline entry says where the cancel stopped it.
      const stopped = await waitFor(
        async () => stack.db.jobEvent.findFirst({ where: { jobId: id, type: "canceled" } }),
        { what: "the parent to stop" },
      );
      expect(stopped.stage).toBe("splitting");
      await waitFor(async () => (await workKeys(id)).length === 0, { timeoutMs: 15_000, what: "the files to go" });
      const row = await stack.db.job.findUniqueOrThrow({ where: { id }, include: { events: true, segments: true } });
      expect(row.status).toBe("canceled");
      expect(row.events.filter((e) => e.type === "completed" || e.type === "failed")).toEqual([]);
      const states = ["waiting", "active", "delayed", "prioritized", "completed", "failed"] as const;
      expect((await segmentQueue.getJobs([...states])).filter((j) => j.data.jobId === id)).toEqual([]);
    } finally {
      await segmentQueue.close();
    }
  });

  it("a cancel while every segment waits: the console deletes the run's files (listed on S3) as it removes the flow", async () => {
    const segmentQueue = createSegmentQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    const captionQueue = createCaptionQueue(redis, stack.env.QUEUE_PREFIX ?? "");
    await segmentQueue.pause();
    try {
      const key = await uploadFile(stack.baseUrl, clip.path);
      const id = await submitJob(stack.baseUrl, { key });
      await waitFor(async () => (await (await captionQueue.getJob(id))?.getState()) === "waiting-children", {
        timeoutMs: 90_000,
        what: "the parent to wait for its segments",
      });
      // Each segment's picture and audio window, the audio track and the plan.
      const count = await stack.db.jobSegment.count({ where: { jobId: id } });
      expect(count).toBeGreaterThanOrEqual(3);
      expect(await workKeys(id)).toHaveLength(2 * count + 2);
      const res = await adminPost(stack, `/api/admin/jobs/${id}/cancel`, cookie);
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await workKeys(id)).toEqual([]);
      expect(await captionQueue.getJob(id)).toBeUndefined();
      const segments = await stack.db.jobSegment.findMany({ where: { jobId: id } });
      expect(segments.map((s) => s.status)).toEqual(Array(count).fill("canceled"));
    } finally {
      await segmentQueue.resume();
      await Promise.all([segmentQueue.close(), captionQueue.close()]);
    }
  });
});
