import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AppServices } from "../../lib/app-services";
import { appEnv } from "../../lib/env/app-env";
import { LocalStorage, MultipartNotFoundError, S3Storage, type Storage } from "../../lib/storage";
import { sweepUploadPlans } from "../../lib/video/multipart-upload";
import { hashStream } from "../storage/seeded-bytes";
import { submitJob, waitForJob } from "../support/api-client";
import { assertCaptionedOutput } from "../support/assert-captioned";
import { makeBulkySpeechVideo } from "../support/make-media";
import { startS3Server } from "../support/s3-server";
import { type Stack, startStack } from "../support/stack";
import { expectApiError, postJson, showServerLogOnFailure } from "./api-http";

// Multipart uploads through the public API, against `next start` + a worker, once per storage driver:
// the local driver (parts staged on disk, served by the app) and the s3 driver against s3rver (a local
// S3-compatible server, not R2: it checks no signatures, and its multipart ETags have no "-N" suffix).

const MiB = 1024 * 1024;
const PART_SIZE = 8 * MiB;
const SCRIPT =
  "Good morning and welcome to the weekly update. The new studio opens next month, and every team will move in by the summer.";

interface Plan {
  key: string;
  uploadId: string;
  status: string;
  size: number;
  partSize: number;
  partCount: number;
  parts: { partNumber: number; url: string; headers?: Record<string, string> }[];
  uploadedParts: { partNumber: number; etag: string; size: number }[];
  completeUrl: string;
  abortUrl: string;
  statusUrl: string;
  expiresAt: string;
  planExpiresAt: string;
}

interface DriverStack {
  stack: Stack;
  storage: Storage;
  stop(): Promise<void>;
}

const drivers: { name: string; start(): Promise<DriverStack> }[] = [
  {
    name: "local driver (parts staged on disk, served by next start)",
    async start() {
      const stack = await startStack({
        env: { MULTIPART_PART_SIZE: String(PART_SIZE), MULTIPART_THRESHOLD: String(MiB) },
        workerEnv: { TRANSCRIBER: "pocketsphinx" },
      });
      const storage = new LocalStorage(stack.dataDir, stack.env.STORAGE_SIGNING_SECRET ?? "");
      return { stack, storage, stop: () => stack.stop() };
    },
  },
  {
    name: "s3 driver against s3rver (a local S3-compatible server, not R2)",
    async start() {
      const s3 = await startS3Server();
      const stack = await startStack({
        env: {
          STORAGE_DRIVER: "s3",
          R2_ENDPOINT: s3.endpoint,
          R2_BUCKET_NAME: s3.bucket,
          R2_ACCESS_KEY_ID: s3.config.accessKeyId,
          R2_SECRET_ACCESS_KEY: s3.config.secretAccessKey,
          R2_REGION: s3.config.region,
          MULTIPART_PART_SIZE: String(PART_SIZE),
          MULTIPART_THRESHOLD: String(MiB),
        },
        workerEnv: { TRANSCRIBER: "pocketsphinx" },
      });
      const storage = new S3Storage(s3.config);
      return {
        stack,
        storage,
        stop: async () => {
          await stack.stop();
          await s3.stop();
        },
      };
    },
  },
];

describe.each(drivers)("multipart upload, $name", (driver) => {
  let under: DriverStack;
  let stack: Stack;
  let workDir: string;

  beforeAll(async () => {
    under = await driver.start();
    stack = under.stack;
    workDir = await mkdtemp(path.join(tmpdir(), "captioner-multipart-"));
  }, 180_000);
  afterAll(async () => {
    await under?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
  showServerLogOnFailure(() => stack?.app.output());

  async function createPlan(size: number, filename = "lecture.mp4"): Promise<Plan> {
    const res = await postJson(`${stack.baseUrl}/api/video/upload`, {
      filename,
      contentType: "video/mp4",
      size,
      multipart: true,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Plan;
  }

  async function getPlan(uploadId: string): Promise<Plan> {
    const res = await fetch(`${stack.baseUrl}/api/video/upload/${uploadId}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as Plan;
  }

  function urlOf(plan: Plan, partNumber: number): string {
    const ticket = plan.parts.find((p) => p.partNumber === partNumber);
    if (!ticket) throw new Error(`plan has no URL for part ${partNumber}`);
    return ticket.url;
  }

  /** PUTs bytes to a part URL; returns the ETag the storage answered with. */
  async function putPart(url: string, body: Buffer): Promise<string> {
    const res = await fetch(url, { method: "PUT", body: new Uint8Array(body) });
    expect(res.status, await res.clone().text()).toBe(200);
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"?[0-9a-f]{32}"?$/);
    return etag ?? "";
  }

  async function complete(plan: Plan, parts: { partNumber: number; etag: string }[]): Promise<Response> {
    return postJson(plan.completeUrl, { parts });
  }

  async function sha256Of(key: string): Promise<string> {
    return (await hashStream(await under.storage.getStream(key))).sha256;
  }

  /** Nothing under uploads/ until completed: process answers 404 INPUT_NOT_FOUND and the storage has no object. */
  async function expectNotVisible(key: string) {
    await expectApiError(await postJson(`${stack.baseUrl}/api/video/process`, { key }), 404, "INPUT_NOT_FOUND");
    expect(await under.storage.head(key)).toBeNull();
  }

  test("a ~40 MB video in 8 MiB parts, sent in reverse order with one part sent twice, is assembled and captioned", async () => {
    const video = await makeBulkySpeechVideo({ script: SCRIPT });
    const file = await open(video.path);
    const { size } = await file.stat();
    expect(size).toBeGreaterThan(32 * MiB);
    const plan = await createPlan(size, "lecture recording.mp4");
    expect(plan.partSize).toBe(PART_SIZE);
    expect(plan.partCount).toBe(Math.ceil(size / PART_SIZE));
    expect(plan.partCount).toBeGreaterThanOrEqual(5);
    expect(plan.parts.map((p) => p.partNumber)).toEqual(Array.from({ length: plan.partCount }, (_, i) => i + 1));
    expect(plan.uploadedParts).toEqual([]);
    expect(Date.parse(plan.planExpiresAt)).toBeGreaterThan(Date.parse(plan.expiresAt) - 1000);

    const readPart = async (n: number) => {
      const start = (n - 1) * PART_SIZE;
      const length = Math.min(PART_SIZE, size - start);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, start);
      return buffer;
    };
    const etags = new Map<number, string>();
    try {
      for (let n = plan.partCount; n >= 1; n--) etags.set(n, await putPart(urlOf(plan, n), await readPart(n)));
      // A retry of a part that already arrived (its first response was lost) is harmless.
      expect(await putPart(urlOf(plan, 2), await readPart(2))).toBe(etags.get(2));
    } finally {
      await file.close();
    }
    await expectNotVisible(plan.key);

    const status = await getPlan(plan.uploadId);
    expect(status.uploadedParts.map((p) => p.partNumber)).toEqual([...etags.keys()].sort((a, b) => a - b));
    expect(status.parts).toEqual([]);

    const parts = [...etags].map(([partNumber, etag]) => ({ partNumber, etag }));
    const done = await complete(plan, parts);
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await done.json()).toEqual({ key: plan.key, size, status: "completed" });
    // Completing again (the first answer was lost) gives the same answer and changes nothing.
    expect((await complete(plan, parts)).status).toBe(200);
    expect(await under.storage.head(plan.key)).toMatchObject({ size, contentType: "video/mp4" });
    expect(await sha256Of(plan.key)).toBe((await hashStream(createReadStream(video.path))).sha256);

    const jobId = await submitJob(stack.baseUrl, { key: plan.key, language: "en", burnIn: false });
    const job = await waitForJob(stack.baseUrl, jobId, { timeoutMs: 180_000 });
    await assertCaptionedOutput(job, { ...video, script: SCRIPT, outDir: workDir });
  }, 300_000);

  test("a connection killed mid-part stores nothing for it; the status call resumes with the parts still missing", async () => {
    const body = randomBytes(PART_SIZE + 300_000);
    const plan = await createPlan(body.length);
    const part1 = body.subarray(0, PART_SIZE);
    const part2 = body.subarray(PART_SIZE);
    const etag2 = await putPart(urlOf(plan, 2), part2);

    // Half of part 1 goes out with the full Content-Length, then the socket dies (a phone losing signal).
    await sendHalfThenKill(urlOf(plan, 1), part1);

    const resumed = await getPlan(plan.uploadId);
    // The app (local driver) answers the cut-off part as a client error (UPLOAD_INCOMPLETE), not a server fault.
    expect(stack.app.output()).not.toContain("unhandled error in API route");
    expect(resumed.uploadedParts).toEqual([{ partNumber: 2, etag: etag2.replaceAll('"', ""), size: part2.length }]);
    expect(resumed.parts.map((p) => p.partNumber)).toEqual([1]);
    await expectNotVisible(plan.key);

    const etag1 = await putPart(urlOf(resumed, 1), part1);
    const done = await complete(resumed, [
      { partNumber: 1, etag: etag1 },
      { partNumber: 2, etag: etag2 },
    ]);
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await sha256Of(plan.key)).toBe(createHash("sha256").update(body).digest("hex"));
  }, 120_000);

  test('multipart: "auto" picks parts only above MULTIPART_THRESHOLD', async () => {
    const ask = (size: number) =>
      postJson(`${stack.baseUrl}/api/video/upload`, {
        filename: "a.mp4",
        contentType: "video/mp4",
        size,
        multipart: "auto",
      });
    const small = (await (await ask(MiB)).json()) as Record<string, unknown>;
    expect(small).toHaveProperty("uploadUrl");
    expect(small).not.toHaveProperty("uploadId");
    const large = (await (await ask(MiB + 1)).json()) as Plan;
    expect(large.uploadId).toMatch(/^upl_/);
    expect(large.parts).toHaveLength(1);
  });

  describe("errors, each with its own code, and nothing visible under uploads/", () => {
    test("PART_MISSING: completing before every part is stored (or without listing one)", async () => {
      const plan = await createPlan(PART_SIZE + 1000);
      const etag = await putPart(urlOf(plan, 2), randomBytes(1000));
      const error = await expectApiError(await complete(plan, [{ partNumber: 2, etag }]), 400, "PART_MISSING");
      expect(error.parts).toEqual([1]);
      const listedButAbsent = await expectApiError(
        await complete(plan, [
          { partNumber: 1, etag: "0".repeat(32) },
          { partNumber: 2, etag },
        ]),
        400,
        "PART_MISSING",
      );
      expect(listedButAbsent.parts).toEqual([1]);
      await expectNotVisible(plan.key);
    });

    test("PART_ETAG_MISMATCH: an ETag other than the stored part's", async () => {
      const plan = await createPlan(1000);
      await putPart(urlOf(plan, 1), randomBytes(1000));
      const error = await expectApiError(
        await complete(plan, [{ partNumber: 1, etag: `"${"a".repeat(32)}"` }]),
        400,
        "PART_ETAG_MISMATCH",
      );
      expect(error.parts).toEqual([1]);
      await expectNotVisible(plan.key);
    });

    test("PART_SIZE_MISMATCH: a part of another size than the plan says", async () => {
      const plan = await createPlan(PART_SIZE + 1000);
      await putPart(urlOf(plan, 2), randomBytes(1000));
      const short = randomBytes(PART_SIZE - 1);
      const res = await fetch(urlOf(plan, 1), { method: "PUT", body: short });
      if (driver.name.startsWith("local")) {
        // The local driver refuses it at the door: the part URL signs the exact size.
        await expectApiError(res, 400, "PART_SIZE_MISMATCH");
      } else {
        // R2/S3 refuse it too (Content-Length is signed); s3rver checks no signatures and stores it, so
        // completing is where the size check has to catch it.
        expect(res.status).toBe(200);
        // The status call does not count a part of the wrong size as uploaded: it hands out its URL again.
        const status = await getPlan(plan.uploadId);
        expect(status.uploadedParts.map((p) => p.partNumber)).toEqual([2]);
        expect(status.parts.map((p) => p.partNumber)).toEqual([1]);
        const error = await expectApiError(
          await complete(plan, [
            { partNumber: 1, etag: res.headers.get("etag") ?? "" },
            { partNumber: 2, etag: status.uploadedParts[0]?.etag ?? "" },
          ]),
          400,
          "PART_SIZE_MISMATCH",
        );
        expect(error.parts).toEqual([1]);
      }
      await expectNotVisible(plan.key);
    });

    test("VALIDATION_ERROR: a part listed twice, or past the plan's last part", async () => {
      const plan = await createPlan(1000);
      const etag = await putPart(urlOf(plan, 1), randomBytes(1000));
      await expectApiError(
        await complete(plan, [
          { partNumber: 1, etag },
          { partNumber: 1, etag },
        ]),
        400,
        "VALIDATION_ERROR",
      );
      await expectApiError(
        await complete(plan, [
          { partNumber: 1, etag },
          { partNumber: 2, etag },
        ]),
        400,
        "VALIDATION_ERROR",
      );
      await expectApiError(await postJson(plan.completeUrl, { parts: [] }), 400, "VALIDATION_ERROR");
      await expectNotVisible(plan.key);
    });

    test("UPLOAD_NOT_FOUND: an unknown upload id, for status, complete and cancel", async () => {
      const unknown = `upl_${randomBytes(16).toString("base64url")}`;
      await expectApiError(await fetch(`${stack.baseUrl}/api/video/upload/${unknown}`), 404, "UPLOAD_NOT_FOUND");
      await expectApiError(await fetch(`${stack.baseUrl}/api/video/upload/not-an-id`), 404, "UPLOAD_NOT_FOUND");
      await expectApiError(
        await postJson(`${stack.baseUrl}/api/video/upload/${unknown}/complete`, {
          parts: [{ partNumber: 1, etag: "x" }],
        }),
        404,
        "UPLOAD_NOT_FOUND",
      );
      await expectApiError(
        await fetch(`${stack.baseUrl}/api/video/upload/${unknown}`, { method: "DELETE" }),
        404,
        "UPLOAD_NOT_FOUND",
      );
    });

    test("UPLOAD_ABORTED: cancel frees the parts; the plan then refuses status, parts and complete", async () => {
      const plan = await createPlan(PART_SIZE + 1000);
      const etag = await putPart(urlOf(plan, 2), randomBytes(1000));
      const row = await stack.db.uploadPlan.findUniqueOrThrow({ where: { id: plan.uploadId } });
      expect(await under.storage.listParts(plan.key, row.driverUploadId)).toHaveLength(1);

      expect((await fetch(plan.abortUrl, { method: "DELETE" })).status).toBe(204);
      expect((await fetch(plan.abortUrl, { method: "DELETE" })).status).toBe(204);
      await expect(under.storage.listParts(plan.key, row.driverUploadId)).rejects.toBeInstanceOf(
        MultipartNotFoundError,
      );
      await expectApiError(await fetch(plan.statusUrl), 410, "UPLOAD_ABORTED");
      await expectApiError(await complete(plan, [{ partNumber: 2, etag }]), 410, "UPLOAD_ABORTED");
      const late = await fetch(urlOf(plan, 1), { method: "PUT", body: randomBytes(PART_SIZE) });
      expect(late.status).toBe(404);
      if (driver.name.startsWith("local")) await expectApiError(late, 404, "UPLOAD_NOT_FOUND");
      await expectNotVisible(plan.key);
    });

    test("INVALID_STATE: a completed upload cannot be canceled", async () => {
      const plan = await createPlan(1000);
      const etag = await putPart(urlOf(plan, 1), randomBytes(1000));
      expect((await complete(plan, [{ partNumber: 1, etag }])).status).toBe(200);
      await expectApiError(await fetch(plan.abortUrl, { method: "DELETE" }), 409, "INVALID_STATE");
      expect(await under.storage.head(plan.key)).toMatchObject({ size: 1000 });
    });

    test("UPLOAD_EXPIRED: a plan past its lifetime is refused, and the sweep frees its parts", async () => {
      const plan = await createPlan(PART_SIZE + 1000);
      const etag = await putPart(urlOf(plan, 2), randomBytes(1000));
      await stack.db.uploadPlan.update({
        where: { id: plan.uploadId },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      await expectApiError(await fetch(plan.statusUrl), 410, "UPLOAD_EXPIRED");
      await expectApiError(await complete(plan, [{ partNumber: 2, etag }]), 410, "UPLOAD_EXPIRED");

      // The sweep the app runs on upload requests, run here at once with the app's own configuration.
      const services = { env: appEnv(stack.env), db: stack.db, storage: under.storage } as unknown as AppServices;
      expect(await sweepUploadPlans(services)).toBeGreaterThanOrEqual(1);
      const row = await stack.db.uploadPlan.findUniqueOrThrow({ where: { id: plan.uploadId } });
      expect(row.status).toBe("expired");
      await expect(under.storage.listParts(plan.key, row.driverUploadId)).rejects.toBeInstanceOf(
        MultipartNotFoundError,
      );
      await expectApiError(await fetch(plan.statusUrl), 410, "UPLOAD_EXPIRED");
      await expectNotVisible(plan.key);
    });

    if (driver.name.startsWith("local")) {
      test("INVALID_SIGNATURE / URL_EXPIRED: a tampered or expired part URL stores nothing", async () => {
        const plan = await createPlan(PART_SIZE + 1000);
        const tampered = new URL(urlOf(plan, 2));
        tampered.searchParams.set("part", "1");
        await expectApiError(
          await fetch(tampered, { method: "PUT", body: randomBytes(1000) }),
          403,
          "INVALID_SIGNATURE",
        );
        const forged = new URL(urlOf(plan, 2));
        forged.searchParams.set("exp", String(Math.floor(Date.now() / 1000) - 10));
        await expectApiError(await fetch(forged, { method: "PUT", body: randomBytes(1000) }), 403, "INVALID_SIGNATURE");
        expect((await getPlan(plan.uploadId)).uploadedParts).toEqual([]);
      });
    }
  });

  test("the server logged no uncaught exception", () => {
    expect(stack.app.output()).not.toMatch(/uncaughtException|unhandledRejection/);
  });
});

/** Sends the first half of `body` with the whole Content-Length, then destroys the socket. */
function sendHalfThenKill(url: string, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const request = http.request(url, { method: "PUT", headers: { "Content-Length": String(body.length) } });
    request.on("error", () => resolve());
    request.on("response", () => resolve());
    request.write(body.subarray(0, body.length >> 1), () => {
      // Give the server a moment to take in what arrived, so the kill lands mid-body, not before it.
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 300);
    });
  });
}
