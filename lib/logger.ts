import pino, { type DestinationStream, type Logger } from "pino";

// Structured JSON logs everywhere; pretty only on a terminal. Anything that may hold a secret is redacted
// by key, so a careless `logger.info(env)` or `logger.info({ env })` still prints no secret.

/** Keys whose values are secrets (or URLs that may carry credentials or presigned signatures). */
const SECRET_KEYS = [
  "password",
  "passwordHash",
  "apiKey",
  "authorization",
  "cookie",
  "uploadUrl",
  "url",
  "OPENAI_API_KEY",
  "R2_SECRET_ACCESS_KEY",
  "R2_ACCESS_KEY_ID",
  "NEXTAUTH_SECRET",
  "STORAGE_SIGNING_SECRET",
  // Connection strings can carry a password.
  "DATABASE_URL",
  "REDIS_URL",
];

// pino matches paths exactly: `*.KEY` does not cover a top-level KEY, so list each depth we expect
// (the line itself, `{ env }`, `{ config: { env } }`). Deeper nesting is not covered: log ids, not objects.
const REDACT = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** Hides the user:password part of any URL inside a string (driver errors sometimes quote the connection string). */
export function scrubCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1[redacted]@");
}

/** Error serializer: pino's standard one, with credentials scrubbed from message and stack. */
function serializeError(value: unknown): unknown {
  if (typeof value === "string") return scrubCredentials(value);
  if (!(value instanceof Error)) return value;
  const serialized = pino.stdSerializers.err(value);
  return {
    ...serialized,
    message: scrubCredentials(serialized.message),
    ...(serialized.stack ? { stack: scrubCredentials(serialized.stack) } : {}),
  };
}

/**
 * A process's logger. `destination` (default stdout) exists for tests that read the lines back.
 * Bind the job id with `log.child({ jobId })` so every line about a job can be found by it.
 */
export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? "info",
  destination?: DestinationStream,
): Logger {
  // pino-pretty runs in a worker thread that Next.js bundles cannot load, so never inside the app.
  const pretty =
    !destination &&
    process.stdout.isTTY &&
    process.env.NODE_ENV !== "production" &&
    !process.env.VITEST &&
    !process.env.NEXT_RUNTIME;
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
    serializers: { err: serializeError },
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss" } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The app's logger (route handlers, lib code running in the app). */
export const logger: Logger = createLogger(process.env.CAPTIONER_PROCESS ?? "app");
