// Admins cancel a running job by publishing its id here; every worker listens and aborts the job if it
// is running it. Postgres already says `canceled` by then, so a worker that misses the message still
// stops at its next status-guarded write.

export function cancelChannel(queuePrefix: string): string {
  return `${queuePrefix}:captions:cancel`;
}
