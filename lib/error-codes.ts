// One table of error codes for the API, the worker, the console and the docs (docs/job-lifecycle.md).
// Clients and support search by these codes: never rename one.

export const JOB_ERRORS = {
  INVALID_MEDIA: { retryable: false, message: "The file could not be read as a video." },
  NO_VIDEO_STREAM: { retryable: false, message: "The file has no video track." },
  TOO_LONG: { retryable: false, message: "The video is longer than the allowed limit." },
  AUDIO_TRACK_NOT_FOUND: {
    retryable: false,
    message: "The audio track asked for (audioTrack) does not exist in this video.",
  },
  INPUT_MISSING: { retryable: false, message: "The uploaded file was not found; upload it again." },
  TRANSCRIPTION_FAILED: { retryable: true, message: "Speech recognition failed; we will retry." },
  TRANSCRIPTION_REJECTED: {
    retryable: false,
    message: "The speech service refused the audio (for example quota or authentication).",
  },
  LANGUAGE_UNSUPPORTED: {
    retryable: false,
    message: "This server's speech recogniser does not know the requested language; choose one it offers.",
  },
  RENDER_FAILED: { retryable: true, message: "Rendering the captions into the video failed." },
  STORAGE_ERROR: { retryable: true, message: "Storage was unavailable." },
  TIMEOUT: { retryable: true, message: "A processing stage took longer than its limit." },
  CANCELED: { retryable: false, message: "Canceled by an administrator." },
  INTERNAL: { retryable: true, message: "Something went wrong on our side." },
} as const satisfies Record<string, { retryable: boolean; message: string }>;

export type JobErrorCode = keyof typeof JOB_ERRORS;

export const JOB_ERROR_CODES = Object.keys(JOB_ERRORS) as JobErrorCode[];

/** Details for support only (stage, attempt, stderr tail, timings). Never put secrets or URLs here. */
export type ErrorDetail = Record<string, unknown>;

/**
 * An error the worker pipeline raises on purpose: a stable code, a public message, and detail for support.
 * `retryable` defaults to the code's entry in JOB_ERRORS.
 */
export class JobError extends Error {
  readonly code: JobErrorCode;
  readonly publicMessage: string;
  readonly detail: ErrorDetail;
  readonly retryable: boolean;

  constructor(
    code: JobErrorCode,
    options: { message?: string; detail?: ErrorDetail; retryable?: boolean; cause?: unknown } = {},
  ) {
    const publicMessage = options.message ?? JOB_ERRORS[code].message;
    super(publicMessage, { cause: options.cause });
    this.name = "JobError";
    this.code = code;
    this.publicMessage = publicMessage;
    this.detail = options.detail ?? {};
    this.retryable = options.retryable ?? JOB_ERRORS[code].retryable;
  }
}
