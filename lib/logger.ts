import pino, { type Logger } from "pino";

// Structured JSON logs everywhere; pretty only on a terminal. Anything that may hold a secret is redacted
// by path, so a careless `logger.info({ env })` still prints no key.
const REDACT = [
  "*.password",
  "*.passwordHash",
  "*.apiKey",
  "*.OPENAI_API_KEY",
  "*.R2_SECRET_ACCESS_KEY",
  "*.R2_ACCESS_KEY_ID",
  "*.NEXTAUTH_SECRET",
  "*.STORAGE_SIGNING_SECRET",
  "*.authorization",
  "*.cookie",
  "*.uploadUrl",
  "*.url",
  "headers.authorization",
  "headers.cookie",
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  // pino-pretty runs in a worker thread that Next.js bundles cannot load, so never inside the app.
  const pretty =
    process.stdout.isTTY && process.env.NODE_ENV !== "production" && !process.env.VITEST && !process.env.NEXT_RUNTIME;
  return pino({
    name,
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
    ...(pretty ? { transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss" } } } : {}),
  });
}

/** The app's logger (route handlers, lib code running in the app). */
export const logger: Logger = createLogger(process.env.CAPTIONER_PROCESS ?? "app");
