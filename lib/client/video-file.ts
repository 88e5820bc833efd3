import { formatBytes } from "./human-units";

// The check a client makes before uploading, so a wrong file is refused at once instead of after a
// long upload. The server checks again (lib/video/upload.ts); this mirrors its rule.

const VIDEO_TYPE = /^video\/[a-z0-9.+-]+$/;

/** Container types by extension, for files the OS labels with no type (or a generic one). */
const TYPES_BY_EXTENSION: Record<string, string> = {
  mp4: "video/mp4",
  m4v: "video/x-m4v",
  mov: "video/quicktime",
  qt: "video/quicktime",
  mkv: "video/x-matroska",
  webm: "video/webm",
  avi: "video/x-msvideo",
  mpg: "video/mpeg",
  mpeg: "video/mpeg",
  ts: "video/mp2t",
  mts: "video/mp2t",
  m2ts: "video/mp2t",
  "3gp": "video/3gpp",
  "3g2": "video/3gpp2",
  ogv: "video/ogg",
  wmv: "video/x-ms-wmv",
  flv: "video/x-flv",
};

/**
 * The content type to upload the file with, or null when it is not a video. A type the browser or OS
 * reports wins; an empty or generic one falls back to the extension.
 */
export function videoContentType(name: string, reportedType = ""): string | null {
  const type = reportedType.trim().toLowerCase();
  if (VIDEO_TYPE.test(type) || type === "application/mp4") return type;
  if (type !== "" && type !== "application/octet-stream") return null;
  const extension = name.toLowerCase().split(".").pop() ?? "";
  return name.includes(".") ? (TYPES_BY_EXTENSION[extension] ?? null) : null;
}

export type FileCheck = { ok: true; contentType: string } | { ok: false; message: string };

/** Type and size, checked before any request is made. */
export function checkVideoFile(file: { name: string; type: string; size: number }, maxBytes: number): FileCheck {
  const contentType = videoContentType(file.name, file.type);
  if (!contentType) {
    const what = file.type ? ` (${file.type})` : "";
    return {
      ok: false,
      message: `“${file.name}” is not a video${what}. Choose a video file such as MP4, MOV, MKV or WebM.`,
    };
  }
  if (file.size === 0) return { ok: false, message: `“${file.name}” is empty.` };
  if (file.size > maxBytes) {
    return {
      ok: false,
      message: `“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`,
    };
  }
  return { ok: true, contentType };
}
