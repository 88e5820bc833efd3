import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createStaff } from "../dashboard/staff";
import { captionFile, getJob, submitJob, uploadFile, waitForJob } from "../support/api-client";
import { makeSpeechVideo } from "../support/make-media";
import { type S3TestServer, startS3Server } from "../support/s3-server";
import { type Stack, startStack, waitFor } from "../support/stack";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

// Object storage going away while a job runs: the s3 driver against a local S3-compatible server (s3rver,
// not R2) reached through a TCP relay that the test cuts while the job renders, so the upload of the outputs
// meets a storage that refuses connections. The attempt must fail with STORAGE_ERROR, be retried, and
// complete once storage is back, with no half-set of outputs left in the bucket.

let s3: S3TestServer;
let proxy: TcpProxy;
let stack: Stack;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(s3.endpoint).port) });
  const endpoint = `http://127.0.0.1:${proxy.port}`;
  stack = await startStack({
    env: {
      R2_ENDPOINT: endpoint,
      R2_BUCKET_NAME: s3.bucket,
      R2_ACCESS_KEY_ID: s3.config.accessKeyId,
      R2_SECRET_ACCESS_KEY: s3.config.secretAccessKey,
      R2_REGION: "us-east-1",
    },
    workerEnv: { WORKER_CONCURRENCY: "1", FFMPEG_PRESET: "veryfast" },
  });
  client = new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: s3.config.accessKeyId, secretAccessKey: s3.config.secretAccessKey },
  });
});
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await s3?.stop();
  client?.destroy();
});

async function renderedKeys(jobId: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `rendered/${jobId}` }));
  return (listed.Contents ?? []).map((object) => object.Key ?? "").sort();
}

describe("storage unreachable while a job uploads its outputs", () => {
  test("STORAGE_ERROR, retried, then completed; no half-written outputs are left", async () => {
    const video = await makeSpeechVideo({
      script: "Storage went away while this video was rendering, and the job still finished once it came back.",
      width: 640,
      height: 360,
    });
    const key = await uploadFile(stack.baseUrl, video.path);
    const id = await submitJob(stack.baseUrl, { key });

    await waitForJob(stack.baseUrl, id, { until: (job) => job.phase === "rendering", timeoutMs: 120_000 });
    await proxy.cut();
    const retrying = await waitForJob(stack.baseUrl, id, {
      until: (job) => job.phase === "retrying" || job.status !== "processing",
      timeoutMs: 180_000,
    });
    expect(retrying.status).toBe("processing");
    // Nothing of the failed attempt is visible in the bucket.
    expect(await renderedKeys(id)).toEqual([]);

    await proxy.restore();
    const done = await waitForJob(stack.baseUrl, id, { timeoutMs: 180_000 });
    expect(done.status, JSON.stringify(done.error)).toBe("completed");

    const events = await stack.db.jobEvent.findMany({ where: { jobId: id }, orderBy: { id: "asc" } });
    const retry = events.find((event) => event.type === "retrying");
    expect(retry?.stage).toBe("uploading");
    expect(retry?.message).toMatch(/^STORAGE_ERROR: /);
    expect(events.filter((event) => event.type === "completed")).toHaveLength(1);
    // Exactly the final attempt's outputs (thumbnail included), and the row points at them.
    const row = await stack.db.job.findUniqueOrThrow({ where: { id } });
    expect(await renderedKeys(id)).toEqual(
      [row.outputSrtKey, row.outputVideoKey, row.outputVttKey, row.thumbnailKey].sort(),
    );
    expect((await getJob(stack.baseUrl, id)).result?.videoUrl).toBeTruthy();
  });

  test("with storage back, the next job completes on its first attempt", async () => {
    const video = await makeSpeechVideo({ script: "Storage is back.", width: 320, height: 240 });
    const job = await captionFile(stack.baseUrl, video.path, { timeoutMs: 120_000 });
    expect(job.status).toBe("completed");
    await waitFor(async () => (await renderedKeys(job.id)).length === 4, { timeoutMs: 5_000, what: "four outputs" });
    // The console's thumbnail route streams the S3 object from the app's own origin (no bucket URL in the page).
    const row = await stack.db.job.findUniqueOrThrow({ where: { id: job.id } });
    const stored = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: row.thumbnailKey ?? "" }));
    const admin = await createStaff(stack, "support");
    const res = await fetch(`${stack.baseUrl}/api/admin/jobs/${job.id}/thumbnail`, {
      headers: { cookie: admin.cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(
      Buffer.from((await stored.Body?.transformToByteArray()) ?? []),
    );
  });
});
