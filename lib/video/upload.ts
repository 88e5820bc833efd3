import { z } from "zod";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { newUploadKey } from "../storage";

export const uploadRequestSchema = z
  .object({
    filename: z.string().trim().min(1).max(255),
    contentType: z.string().trim().toLowerCase().max(100),
    size: z.number().int().positive(),
  })
  .strict();

/** The answer of POST /api/video/upload: where and how to PUT the file. */
export const uploadTicketSchema = z
  .object({
    key: z.string().describe("Pass it to POST /api/video/process."),
    uploadUrl: z.string(),
    method: z.literal("PUT"),
    headers: z.record(z.string(), z.string()).describe("Send exactly these headers with the PUT."),
    expiresAt: z.string().describe("ISO 8601 date-time"),
    maxBytes: z.number().int(),
  })
  .meta({ id: "UploadTicket" });

/** Video types ffmpeg reads that browsers label; anything else is refused before a byte is sent. */
export function isVideoContentType(contentType: string): boolean {
  return /^video\/[a-z0-9.+-]+$/.test(contentType) || contentType === "application/mp4";
}

/** Validates an upload request and hands out a signed, expiring, size-bound PUT URL. */
export async function createUpload(
  services: AppServices,
  body: unknown,
  origin: string,
): Promise<z.infer<typeof uploadTicketSchema>> {
  const input = uploadRequestSchema.parse(body);
  if (!isVideoContentType(input.contentType)) {
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", `Only video files can be captioned (got "${input.contentType}").`);
  }
  const max = services.env.MAX_UPLOAD_BYTES;
  if (input.size > max) {
    throw new ApiError("UPLOAD_TOO_LARGE", `The file is larger than the limit of ${formatBytes(max)}.`, {
      maxBytes: max,
    });
  }
  const key = newUploadKey(input.filename);
  const ticket = await services.storage.createUploadUrl(key, {
    contentType: input.contentType,
    size: input.size,
    expiresInSec: services.env.UPLOAD_URL_TTL_SEC,
    baseUrl: origin,
  });
  return {
    key,
    uploadUrl: ticket.url,
    method: ticket.method,
    headers: ticket.headers,
    expiresAt: ticket.expiresAt.toISOString(),
    maxBytes: input.size,
  };
}

export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
