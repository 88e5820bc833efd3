// Telling "Postgres cannot be reached right now" apart from a bug: the API answers the first with a 503 a
// client can retry (DATABASE_UNAVAILABLE), and the worker postpones a job instead of burning its attempts.

/** Prisma's codes for a server it cannot reach, a timed-out connection, or one the server closed. */
const PRISMA_CONNECTION_CODES = new Set(["P1001", "P1002", "P1008", "P1017"]);
/** The pg driver adapter's error kinds for the same situations. */
const ADAPTER_CONNECTION_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
/** Postgres SQLSTATEs: connection exceptions (08…), shutting down / starting up (57P01–57P03), too many clients. */
const POSTGRES_STATES = /^(08\d{3}|57P0[123]|53300)$/;
/** The pg client's own wording when the server goes away mid-connection (socket codes alone are not
 * enough: storage errors carry ECONNREFUSED too). */
const PG_MESSAGES = [
  "Connection terminated unexpectedly",
  "Connection terminated due to connection timeout",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
];

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  meta?: { driverAdapterError?: { cause?: ErrorLike } };
  cause?: unknown;
}

/** Why the database is unreachable (a short code, safe to log), or null when `error` is something else. */
export function databaseUnavailableReason(error: unknown, depth = 0): string | null {
  if (!error || typeof error !== "object" || depth > 4) return null;
  const e = error as ErrorLike;
  const code = typeof e.code === "string" ? e.code : undefined;
  if (code && PRISMA_CONNECTION_CODES.has(code)) return code;
  if (code && POSTGRES_STATES.test(code)) return `SQLSTATE ${code}`;
  if (typeof e.kind === "string" && ADAPTER_CONNECTION_KINDS.has(e.kind)) return e.kind;
  if (typeof e.originalCode === "string" && POSTGRES_STATES.test(e.originalCode)) return `SQLSTATE ${e.originalCode}`;
  if (typeof e.message === "string" && PG_MESSAGES.some((m) => (e.message as string).includes(m))) {
    return "connection lost";
  }
  return (
    databaseUnavailableReason(e.meta?.driverAdapterError?.cause, depth + 1) ??
    databaseUnavailableReason(e.cause, depth + 1)
  );
}
