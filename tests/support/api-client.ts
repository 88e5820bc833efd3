import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { PublicJob } from "../../lib/video/job-status";

// Drives the public API the way an end user's client does: upload through the signed URL, submit,
// poll. Shared by every suite that needs a real job.

export async function uploadFile(baseUrl: string, file: string, contentType = "video/mp4"): Promise<string> {
  const { size } = await stat(file);
  const res = await fetch(`${baseUrl}/api/video/upload`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ filename: path.basename(file), contentType, size }),
  });
  if (res.status !== 201) throw new Error(`upload ticket refused: ${res.status} ${await res.text()}`);
  const ticket = (await res.json()) as { key: string; uploadUrl: string; headers: Record<string, string> };
  const put = await fetch(ticket.uploadUrl, {
    method: "PUT",
    headers: { ...ticket.headers, "content-length": String(size) },
    body: createReadStream(file) as unknown as BodyInit,
    duplex: "half",
  } as RequestInit);
  if (!put.ok) throw new Error(`upload PUT failed: ${put.status} ${await put.text()}`);
  return ticket.key;
}

export async function submitJob(
  baseUrl: string,
  body: { key: string; language?: string; burnIn?: boolean; audioTrack?: number; profile?: string },
): Promise<string> {
  const res = await fetch(`${baseUrl}/api/video/process`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 202) throw new Error(`process refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export async function getJob(baseUrl: string, id: string): Promise<PublicJob> {
  const res = await fetch(`${baseUrl}/api/video/job/${id}`);
  if (!res.ok) throw new Error(`job lookup failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as PublicJob;
}

/** Polls until the job reaches a final status (or `until` says stop); returns the last view of it. */
export async function waitForJob(
  baseUrl: string,
  id: string,
  { timeoutMs = 120_000, until }: { timeoutMs?: number; until?: (job: PublicJob) => boolean } = {},
): Promise<PublicJob> {
  const deadline = Date.now() + timeoutMs;
  let job = await getJob(baseUrl, id);
  const done = until ?? ((j: PublicJob) => ["completed", "failed", "canceled"].includes(j.status));
  while (!done(job)) {
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}/${job.phase} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
    job = await getJob(baseUrl, id);
  }
  return job;
}

/** Upload + submit + wait: the whole user journey for one file. */
export async function captionFile(
  baseUrl: string,
  file: string,
  options: {
    contentType?: string;
    language?: string;
    burnIn?: boolean;
    audioTrack?: number;
    profile?: string;
    timeoutMs?: number;
  } = {},
): Promise<PublicJob> {
  const key = await uploadFile(baseUrl, file, options.contentType);
  const { language, burnIn, audioTrack, profile } = options;
  const id = await submitJob(baseUrl, { key, language, burnIn, audioTrack, profile });
  return waitForJob(baseUrl, id, { timeoutMs: options.timeoutMs });
}

export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`download failed: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}
