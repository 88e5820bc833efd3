import { randomBytes } from "node:crypto";
import { postJson } from "./api-http";

/**
 * Uploads `size` random bytes through the public API (ticket + signed PUT) and returns the key. The API
 * tests run without a worker, so the bytes need not be a real video.
 */
export async function uploadBytes(
  baseUrl: string,
  filename = "clip.mp4",
  size = 2048,
  headers: Record<string, string> = {},
): Promise<string> {
  const res = await postJson(`${baseUrl}/api/video/upload`, { filename, contentType: "video/mp4", size }, headers);
  if (res.status !== 201) throw new Error(`upload ticket refused: ${res.status} ${await res.text()}`);
  const ticket = (await res.json()) as { key: string; uploadUrl: string; headers: Record<string, string> };
  const put = await fetch(ticket.uploadUrl, { method: "PUT", headers: ticket.headers, body: randomBytes(size) });
  if (put.status !== 200) throw new Error(`upload PUT failed: ${put.status} ${await put.text()}`);
  return ticket.key;
}
