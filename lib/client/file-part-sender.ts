import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { SendPart } from "./part-uploader";
import { ApiRequestError, errorFromResponse } from "./video-api";

// The command line's way of sending one part of a multipart plan (Node only; the page uses XHR): a read
// stream over the part's byte range, with its exact Content-Length (presigned S3/R2 part URLs sign it and
// refuse chunked bodies), so a 2 GiB file is never held in memory.

/** Counts bytes as they pass, for progress and the stall check. */
export async function* countChunks(source: AsyncIterable<Buffer>, onChunk: (bytes: number) => void) {
  for await (const chunk of source) {
    onChunk(chunk.length);
    yield chunk;
  }
}

/**
 * Sends parts of `file`. A part during which no byte moves for `stallMs` is aborted and counted as a
 * dropped connection (the uploader retries it): a dead link must not hang the upload forever.
 */
export function filePartSender(
  file: string,
  options: { stallMs: number; onBytes?: (bytes: number) => void },
): SendPart {
  return async (ticket, range, onProgress, signal) => {
    const stall = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => stall.abort(new Error(`no data moved for ${options.stallMs / 1000} s`)),
        options.stallMs,
      );
    };
    touch();
    let sent = 0;
    const body = Readable.toWeb(
      Readable.from(
        countChunks(createReadStream(file, { start: range.start, end: range.end - 1 }), (bytes) => {
          sent += bytes;
          touch();
          options.onBytes?.(bytes);
          onProgress(sent);
        }),
      ),
    );
    try {
      const response = await fetch(ticket.url, {
        method: "PUT",
        headers: { ...ticket.headers, "Content-Length": String(range.end - range.start) },
        body: body as unknown as ReadableStream<Uint8Array>,
        duplex: "half",
        signal: AbortSignal.any([signal, stall.signal]),
      } as RequestInit).catch((error: unknown) => {
        if (signal.aborted) throw error;
        throw new ApiRequestError("UPLOAD_INTERRUPTED", "The connection dropped during a part.", 0, { cause: error });
      });
      if (!response.ok) throw await errorFromResponse(response);
      await response.body?.cancel();
      const etag = response.headers.get("etag");
      if (!etag) throw new ApiRequestError("ETAG_HIDDEN", "The storage answered a part without an ETag.", 0);
      return etag;
    } finally {
      clearTimeout(timer);
    }
  };
}
