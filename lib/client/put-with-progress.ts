import { ApiRequestError, errorFromBody, type UploadTicket } from "./video-api";

// The browser's upload to storage. XMLHttpRequest rather than fetch: only XHR reports upload progress
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

/** PUTs `file` to the signed URL with the signed headers, reporting bytes sent. */
export function putWithProgress(
  ticket: Pick<UploadTicket, "uploadUrl" | "method" | "headers">,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open(ticket.method, ticket.uploadUrl);
    for (const [name, value] of Object.entries(ticket.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
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
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
