import type { Queue } from "bullmq";

export const QUEUE_STATES = [
  "waiting",
  "active",
  "delayed",
  "failed",
  "completed",
  "prioritized",
  "waiting-children",
] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/**
 * Jobs in the caption queue by BullMQ state. The one source of backlog numbers: the admin overview and
 * the Prometheus endpoint both read it.
 */
export async function queueCounts(queue: Queue): Promise<Record<QueueState, number>> {
  const counts = await queue.getJobCounts(...QUEUE_STATES);
  return Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])) as Record<QueueState, number>;
}
