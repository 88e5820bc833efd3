import type { SendPart } from "./part-uploader";
import { ApiRequestError, errorFromBody, type UploadTicket } from "./video-api";

// The browser's uploads to storage. XMLHttpRequest rather than fetch: only XHR reports upload progress
// (fetch has no upload progress events) and can be aborted mid-body everywhere.

export class UploadCanceledError extends Error {
  constructor() {
    super("The upload was canceled.");
    this.name = "UploadCanceledError";
  }
}

export interface UploadHandle {
  done: Promise<void>;
  abort(): void;
}

/** One PUT of `body`; resolves with the finished request (status 2xx), rejects with the API's error shape. */
function xhrPut(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: Blob,
  onProgress: (sent: number) => void,
): { done: Promise<XMLHttpRequest>; abort(): void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<XMLHttpRequest>((resolve, reject) => {
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve(xhr);
      } else {
        reject(errorFromBody(xhr.status, xhr.responseText));
      }
    };
    // A network error, or (for a bucket on another origin) a missing CORS rule: the browser hides which.
    xhr.onerror = () =>
      reject(
        new ApiRequestError(
          "UPLOAD_INTERRUPTED",
          "The upload was interrupted. Check your connection and try again.",
          0,
        ),
      );
    xhr.onabort = () => reject(new UploadCanceledError());
    xhr.send(body);
  });
  return { done, abort: () => xhr.abort() };
}

/** PUTs `file` to the signed URL with the signed headers, reporting bytes sent. */
export function putWithProgress(
  ticket: Pick<UploadTicket, "uploadUrl" | "method" | "headers">,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  const put = xhrPut(ticket.uploadUrl, ticket.method, ticket.headers, file, (sent) => onProgress(sent, file.size));
  return { done: put.done.then(() => undefined), abort: put.abort };
}

/** The page's way of sending one part of a multipart plan: a slice of the file, never a copy of it. */
export function xhrPartSender(file: Blob): SendPart {
  return async (ticket, range, onProgress, signal) => {
    if (signal.aborted) throw new UploadCanceledError();
    const put = xhrPut(ticket.url, "PUT", ticket.headers ?? {}, file.slice(range.start, range.end), onProgress);
    const abort = () => put.abort();
    signal.addEventListener("abort", abort, { once: true });
    try {
      const xhr = await put.done;
      const etag = xhr.getResponseHeader("ETag");
      if (!etag) {
        // The bytes arrived but the browser hid the ETag: the bucket's CORS rule lacks ExposeHeaders ETag.
        throw new ApiRequestError(
          "ETAG_HIDDEN",
          "The storage did not expose the ETag header to the browser (its CORS rule needs ExposeHeaders: ETag).",
          0,
        );
      }
      return etag;
    } finally {
      signal.removeEventListener("abort", abort);
    }
  };
}

/**
 * Waits before a retry: while the browser is offline, until it is back (then at once); otherwise `ms`.
 * Resolves true when it waited for the network.
 */
export function waitForNetwork(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const offline = typeof navigator !== "undefined" && navigator.onLine === false;
    const finish = (value: boolean) => {
      clearTimeout(timer);
      clearInterval(timer);
      window.removeEventListener("online", onOnline);
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    };
    const onOnline = () => finish(true);
    const onAbort = () => {
      clearTimeout(timer);
      clearInterval(timer);
      window.removeEventListener("online", onOnline);
      reject(signal.reason);
    };
    // Offline: wait for the network (the `online` event, or navigator.onLine seen true again: not every
    // way of going offline and back fires the event). Online: the backoff, cut short by an `online` event.
    const timer = offline
      ? setInterval(() => {
          if (navigator.onLine) finish(true);
        }, 1_000)
      : setTimeout(() => finish(false), ms);
    window.addEventListener("online", onOnline);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
