import { Readable } from "node:stream";
import { ApiError } from "../api/errors";
import type { AppServices } from "../app-services";
import { JOB_ID_PATTERN } from "../ids";
import { ObjectNotFoundError } from "../storage";

// The console shows a job's thumbnail through its own route (GET /api/admin/jobs/:id/thumbnail), streamed
// from storage, instead of a presigned storage URL: the URL stays on the app's origin (the console loads
// nothing from another host, whatever the storage driver), it is checked against the viewer's role, and it
// is stable, so the jobs list re-rendering every 5 s never downloads a thumbnail twice. A new render gets a
// new key, hence a new `v` and a new URL; an old URL keeps answering with the latest thumbnail.

/** A year: the bytes behind one `v` never change (each render writes a new key). */
const IMMUTABLE = "private, max-age=31536000, immutable";

/** The version part of a thumbnail key (`rendered/<jobId>-<timestamp>.jpg` → `<timestamp>`). */
function thumbnailVersion(key: string): string {
  return key.slice(key.lastIndexOf("-") + 1).replace(/\.jpg$/, "");
}

/** The console URL of a job's thumbnail, or null when it has none. */
export function consoleThumbnailUrl(job: { id: string; thumbnailKey: string | null }): string | null {
  if (!job.thumbnailKey) return null;
  return `/api/admin/jobs/${job.id}/thumbnail?v=${encodeURIComponent(thumbnailVersion(job.thumbnailKey))}`;
}

/**
 * The thumbnail's bytes as a response: cached by the browser for a year when `v` names the current one
 * (else revalidated each time), 304 for a matching If-None-Match, 404 when the job has none.
 */
export async function thumbnailResponse(
  services: Pick<AppServices, "db" | "storage">,
  id: string,
  request: Request,
): Promise<Response> {
  const missing = new ApiError("NOT_FOUND", "This job has no thumbnail.");
  if (!JOB_ID_PATTERN.test(id)) throw missing;
  const job = await services.db.job.findUnique({ where: { id }, select: { thumbnailKey: true } });
  if (!job?.thumbnailKey) throw missing;
  const version = thumbnailVersion(job.thumbnailKey);
  const etag = `"${version}"`;
  const current = new URL(request.url).searchParams.get("v") === version;
  const headers = {
    "cache-control": current ? IMMUTABLE : "private, no-cache",
    etag,
    "content-type": "image/jpeg",
  };
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  try {
    const body = await services.storage.getStream(job.thumbnailKey);
    return new Response(Readable.toWeb(body) as ReadableStream, { status: 200, headers });
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw missing;
    throw error;
  }
}
