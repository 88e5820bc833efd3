import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import type { UploadPlan } from "../generated/prisma/client";
import { logger } from "../logger";
import { bareEtag, LocalStorage, MultipartNotFoundError, type PartTicket, type StoredPart } from "../storage";

// Multipart uploads: the file goes up in parts, in any order, several at once, each retriable; the plan
// (a Postgres row) says what the parts must add up to, and completing checks every part before anything
// appears under uploads/. The parts live in the storage (S3 multipart upload, or the local driver's
// staging dir); the row is why the API can answer "which parts do you have?" after a reload or a crash.

/** S3's (and R2's) limit on parts per upload. */
const MAX_PARTS = 10_000;
const MiB = 1024 * 1024;
/** How often a process sweeps plans left unfinished (it runs on upload requests, never on a timer). */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

export const UPLOAD_PLAN_ID_PATTERN = /^upl_[A-Za-z0-9_-]{22}$/;

export interface PlanInput {
  filename: string;
  contentType: string;
  size: number;
  key: string;
}

/** The part size for a file: the configured size, grown (in whole MiB) when the file would need too many parts. */
export function partSizeFor(size: number, configured: number): number {
  if (Math.ceil(size / configured) <= MAX_PARTS) return configured;
  return Math.ceil(size / MAX_PARTS / MiB) * MiB;
}

/** Part n's exact size (1-based): every part is `partSize` but the last, which holds the rest. */
export function expectedPartSize(plan: { size: number; partSize: number; partCount: number }, n: number): number {
  return n < plan.partCount ? plan.partSize : plan.size - plan.partSize * (plan.partCount - 1);
}

interface PlanView {
  id: string;
  key: string;
  size: number;
  partSize: number;
  partCount: number;
  contentType: string;
  driver: string;
  driverUploadId: string;
  status: UploadPlan["status"];
  expiresAt: Date;
}

function view(row: UploadPlan): PlanView {
  return { ...row, size: Number(row.size) };
}

/** What a client needs to send (or go on sending) the parts; `uploadedParts` are those the storage already has. */
async function describePlan(services: AppServices, plan: PlanView, origin: string, uploaded: StoredPart[]) {
  // `origin` is the public origin (lib/public-origin.ts): the links below must work from the client's side.
  const base = origin.replace(/\/+$/, "");
  const expiresInSec = Math.min(
    services.env.UPLOAD_URL_TTL_SEC,
    Math.max(1, Math.floor((plan.expiresAt.getTime() - Date.now()) / 1000)),
  );
  const have = new Set(uploaded.map((p) => p.partNumber));
  const parts: PartTicket[] = [];
  if (plan.status === "open") {
    for (let n = 1; n <= plan.partCount; n++) {
      if (have.has(n)) continue;
      parts.push(
        await services.storage.createPartUrl(
          plan.key,
          plan.driverUploadId,
          { partNumber: n, size: expectedPartSize(plan, n) },
          { expiresInSec, baseUrl: base },
        ),
      );
    }
  }
  return {
    key: plan.key,
    uploadId: plan.id,
    status: plan.status,
    size: plan.size,
    partSize: plan.partSize,
    partCount: plan.partCount,
    parts,
    uploadedParts: uploaded,
    completeUrl: `${base}/api/video/upload/${plan.id}/complete`,
    abortUrl: `${base}/api/video/upload/${plan.id}`,
    statusUrl: `${base}/api/video/upload/${plan.id}`,
    /** When the part URLs stop working: GET statusUrl for fresh ones. */
    expiresAt: new Date(Date.now() + expiresInSec * 1000).toISOString(),
    /** When an unfinished upload is given up and its parts freed. */
    planExpiresAt: plan.expiresAt.toISOString(),
  };
}

export type UploadPlanResponse = Awaited<ReturnType<typeof describePlan>>;

/** Starts a multipart upload of an already validated request and returns the plan with a URL per part. */
export async function createMultipartUpload(
  services: AppServices,
  input: PlanInput,
  origin: string,
): Promise<UploadPlanResponse> {
  sweepSoon(services);
  const partSize = partSizeFor(input.size, services.env.MULTIPART_PART_SIZE);
  const partCount = Math.ceil(input.size / partSize);
  const driverUploadId = await services.storage.createMultipart(input.key, { contentType: input.contentType });
  const row = await services.db.uploadPlan.create({
    data: {
      id: `upl_${randomBytes(16).toString("base64url")}`,
      key: input.key,
      contentType: input.contentType,
      size: BigInt(input.size),
      partSize,
      partCount,
      driver: services.storage.driver,
      driverUploadId,
      expiresAt: new Date(Date.now() + services.env.MULTIPART_PLAN_TTL_SEC * 1000),
    },
  });
  return describePlan(services, view(row), origin, []);
}

/** The plan, or the error a client acts on: unknown (404), canceled or expired (410). */
async function findPlan(services: AppServices, uploadId: string): Promise<PlanView> {
  const row = UPLOAD_PLAN_ID_PATTERN.test(uploadId)
    ? await services.db.uploadPlan.findUnique({ where: { id: uploadId } })
    : null;
  if (!row) throw new ApiError("UPLOAD_NOT_FOUND", "No upload with this id.");
  const plan = view(row);
  if (plan.status === "aborted") throw new ApiError("UPLOAD_ABORTED", "This upload was canceled; start a new one.");
  if (plan.status === "expired" || (plan.status === "open" && plan.expiresAt.getTime() < Date.now())) {
    throw new ApiError(
      "UPLOAD_EXPIRED",
      "This upload was not finished in time and its parts were discarded; start a new one.",
    );
  }
  return plan;
}

async function storedParts(services: AppServices, plan: PlanView): Promise<StoredPart[]> {
  try {
    return await services.storage.listParts(plan.key, plan.driverUploadId);
  } catch (error) {
    if (error instanceof MultipartNotFoundError) {
      throw new ApiError("UPLOAD_EXPIRED", "The storage no longer holds this upload's parts; start a new one.");
    }
    throw error;
  }
}

/** GET /api/video/upload/{id}: the parts already stored, and fresh URLs for the others. */
export async function getMultipartUpload(
  services: AppServices,
  uploadId: string,
  origin: string,
): Promise<UploadPlanResponse> {
  sweepSoon(services);
  const plan = await findPlan(services, uploadId);
  const stored = plan.status === "open" ? await storedParts(services, plan) : [];
  // A part of the wrong size (cut short by a store that kept a broken body) is one to send again.
  const uploaded = stored.filter((p) => p.size === expectedPartSize(plan, p.partNumber));
  return describePlan(services, plan, origin, uploaded);
}

/** A complete call lists every part (~60 bytes each): room for 10,000 parts, far above readJson's default. */
export const COMPLETE_BODY_LIMIT_BYTES = MAX_PARTS * 100;

export const completeRequestSchema = z
  .object({
    parts: z
      .array(
        z
          .object({ partNumber: z.number().int().min(1).max(MAX_PARTS), etag: z.string().trim().min(1).max(200) })
          .strict(),
      )
      .min(1)
      .max(MAX_PARTS),
  })
  .strict();

/**
 * POST completeUrl: checks the client's list against the plan and against what the storage holds — every
 * part present, each with the ETag the client got and the size the plan says — then assembles the object.
 * Completing a completed upload answers the same again (a client whose first answer was lost retries).
 */
export async function completeMultipartUpload(services: AppServices, uploadId: string, body: unknown) {
  const input = completeRequestSchema.parse(body);
  const plan = await findPlan(services, uploadId);
  const done = { key: plan.key, size: plan.size, status: "completed" as const };
  if (plan.status === "completed") return done;
  if (plan.status === "completing") {
    throw new ApiError("INVALID_STATE", "This upload is being completed by another request; try again in a moment.");
  }

  const listed = new Map<number, string>();
  for (const part of input.parts) {
    if (listed.has(part.partNumber)) {
      throw new ApiError("VALIDATION_ERROR", `parts: part ${part.partNumber} is listed twice.`);
    }
    if (part.partNumber > plan.partCount) {
      throw new ApiError(
        "VALIDATION_ERROR",
        `parts: this upload has ${plan.partCount} parts (got part ${part.partNumber}).`,
      );
    }
    listed.set(part.partNumber, bareEtag(part.etag));
  }
  const stored = new Map((await storedParts(services, plan)).map((p) => [p.partNumber, p]));
  const missing: number[] = [];
  for (let n = 1; n <= plan.partCount; n++) if (!listed.has(n) || !stored.has(n)) missing.push(n);
  if (missing.length > 0) {
    throw new ApiError(
      "PART_MISSING",
      `${partList(missing)} ${missing.length === 1 ? "has" : "have"} not been uploaded (or listed).`,
      {
        parts: missing,
      },
    );
  }
  for (const [n, etag] of listed) {
    const part = stored.get(n);
    if (part && part.etag !== etag) {
      throw new ApiError("PART_ETAG_MISMATCH", `Part ${n}'s ETag does not match the stored part; upload it again.`, {
        parts: [n],
      });
    }
    const expected = expectedPartSize(plan, n);
    if (part && part.size !== expected) {
      throw new ApiError(
        "PART_SIZE_MISMATCH",
        `Part ${n} is ${part.size} bytes; it must be ${expected}. Upload it again.`,
        {
          parts: [n],
        },
      );
    }
  }

  // One request assembles; a concurrent second one is told to wait instead of assembling twice.
  const claimed = await services.db.uploadPlan.updateMany({
    where: { id: plan.id, status: "open" },
    data: { status: "completing" },
  });
  if (claimed.count === 0) return completeMultipartUpload(services, uploadId, body);
  try {
    const parts = [...listed].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
    await services.storage.completeMultipart(plan.key, plan.driverUploadId, parts, { contentType: plan.contentType });
    const info = await services.storage.head(plan.key);
    if (info?.size !== plan.size) {
      // Cannot happen when every part had its size; if the storage disagrees, show nothing rather than a wrong file.
      await services.storage.delete(plan.key);
      throw new ApiError("PART_SIZE_MISMATCH", `The assembled file is ${info?.size ?? 0} bytes, not ${plan.size}.`);
    }
  } catch (error) {
    await services.db.uploadPlan.update({ where: { id: plan.id }, data: { status: "open" } });
    if (error instanceof MultipartNotFoundError) {
      throw new ApiError("PART_MISSING", "A part disappeared while the upload was being completed; upload it again.");
    }
    throw error;
  }
  await services.db.uploadPlan.update({
    where: { id: plan.id },
    data: { status: "completed", completedAt: new Date() },
  });
  return done;
}

/** DELETE abortUrl: frees the parts. Canceling twice is fine; canceling a completed upload is refused. */
export async function abortMultipartUpload(services: AppServices, uploadId: string): Promise<void> {
  const row = UPLOAD_PLAN_ID_PATTERN.test(uploadId)
    ? await services.db.uploadPlan.findUnique({ where: { id: uploadId } })
    : null;
  if (!row) throw new ApiError("UPLOAD_NOT_FOUND", "No upload with this id.");
  if (row.status === "aborted" || row.status === "expired") return;
  if (row.status !== "open")
    throw new ApiError("INVALID_STATE", "This upload is already complete; it cannot be canceled.");
  await services.storage.abortMultipart(row.key, row.driverUploadId);
  await services.db.uploadPlan.updateMany({ where: { id: row.id, status: "open" }, data: { status: "aborted" } });
}

/**
 * Frees the parts of plans left unfinished past their expiry and marks them expired. The local driver also
 * sweeps staging dirs nobody has touched for a plan's lifetime (a row lost with a database reset). On S3/R2,
 * a bucket lifecycle rule (AbortIncompleteMultipartUpload, docs/deployment.md) is the backstop.
 */
export async function sweepUploadPlans(services: AppServices, now = new Date()): Promise<number> {
  const stale = await services.db.uploadPlan.findMany({
    where: { status: "open", expiresAt: { lt: now } },
    take: 100,
  });
  for (const row of stale) {
    await services.storage.abortMultipart(row.key, row.driverUploadId);
    await services.db.uploadPlan.updateMany({ where: { id: row.id, status: "open" }, data: { status: "expired" } });
  }
  if (services.storage instanceof LocalStorage) {
    // A margin past the TTL: a plan expires by its row first; the directory sweep is only for orphans.
    await services.storage.sweepStaging((services.env.MULTIPART_PLAN_TTL_SEC + 3600) * 1000, now.getTime());
  }
  return stale.length;
}

const sweepState = globalThis as unknown as { captionerLastUploadSweep?: number };

/** Runs the sweep in the background at most every SWEEP_INTERVAL_MS per process; failures are only logged. */
function sweepSoon(services: AppServices): void {
  const last = sweepState.captionerLastUploadSweep ?? 0;
  if (Date.now() - last < SWEEP_INTERVAL_MS) return;
  sweepState.captionerLastUploadSweep = Date.now();
  sweepUploadPlans(services)
    .then((count) => {
      if (count > 0) logger.info({ count }, "swept unfinished multipart uploads");
    })
    .catch((error: unknown) => logger.warn({ err: error }, "sweeping unfinished multipart uploads failed"));
}

function partList(parts: number[]): string {
  const shown = parts.slice(0, 10).join(", ");
  const more = parts.length > 10 ? ` and ${parts.length - 10} more` : "";
  return `${parts.length === 1 ? "Part" : "Parts"} ${shown}${more}`;
}
