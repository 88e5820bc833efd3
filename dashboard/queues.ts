import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { captionJobPayload, createCaptionQueue, createSegmentQueue, segmentJobPayload } from "../lib/job-contract";
import { createMaintenanceQueue } from "../lib/jobs/retention";

// Every queue the board shows and /metrics reports, in one list: a queue the project adds later goes here.

export interface BoardQueue {
  queue: Queue;
  /** What the board says about the queue. */
  description: string;
  /**
   * Our job id (the Postgres row) behind a BullMQ job's data, or null. Set for queues whose jobs have a
   * row that the worker checks: a retry from the board must reset that row too (dashboard/retry-sync.ts).
   */
  rowIdOf?: (data: unknown) => string | null;
  /** The console page of the job behind a BullMQ job's data (linked from the board's job view). */
  consoleUrlOf?: (data: unknown) => string | null;
  /** Shown to everyone without actions: the console acts on the job these jobs belong to. */
  readOnly?: boolean;
}

export function createBoardQueues(connection: Redis, prefix: string): BoardQueue[] {
  const captionRowId = (data: unknown) => captionJobPayload.safeParse(data).data?.jobId ?? null;
  return [
    {
      queue: createCaptionQueue(connection, prefix),
      description: "Caption jobs: one per uploaded video (job data is the console's job id).",
      rowIdOf: captionRowId,
      consoleUrlOf: (data) => {
        const id = captionRowId(data);
        return id ? `/admin/jobs/${id}` : null;
      },
    },
    {
      // The backlog of long videos' segments (worker/split) is real work waiting for workers: ops see it.
      // Read-only: a segment retried or removed here would go behind its parent's back; cancel and retry
      // act on the whole job in the console.
      queue: createSegmentQueue(connection, prefix),
      description:
        "Segments of split jobs (long videos on many workers): read-only; retry or cancel the whole job in the console.",
      consoleUrlOf: (data) => {
        const id = segmentJobPayload.safeParse(data).data?.jobId;
        return id ? `/admin/jobs/${id}` : null;
      },
      readOnly: true,
    },
    {
      // The retention sweeps (lib/jobs/retention.ts): ops see when the last ones ran and whether they failed.
      // Read-only: a sweep retried, promoted or removed here, or its schedule edited, would run with a policy
      // the workers' env does not say; the next interval's sweep redoes whatever a failed one left.
      queue: createMaintenanceQueue(connection, prefix),
      description:
        "Retention sweeps (RETENTION_SWEEP_EVERY_MIN, RETENTION_DAYS_*), run by any worker: read-only; a failed sweep's work is redone by the next one.",
      readOnly: true,
    },
  ];
}
