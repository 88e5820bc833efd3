"use client";

import { useEffect, useRef, useState } from "react";
import { formatClock } from "@/lib/client/human-units";
import { jobStepLabel, queuePlaceLabel } from "@/lib/client/job-labels";
import { isFinal, pollJob } from "@/lib/client/poll-job";
import { ApiRequestError, fetchJob, type PublicJob } from "@/lib/client/video-api";
import styles from "./job.module.css";
import { JobFailure } from "./job-failure";
import { JobResult } from "./job-result";

/** Stop polling after this many failed polls in a row (~5 min at the 5 s ceiling); a reload starts again. */
const MAX_POLL_FAILURES = 60;

/** The live job page: phase and percentage while it runs, then the result or the failure. */
export function JobView({ initialJob }: { initialJob: PublicJob }) {
  const [job, setJob] = useState(initialJob);
  const [trouble, setTrouble] = useState<"offline" | "gone" | "gave_up" | null>(null);
  const now = useNow(!isFinal(job.status));
  const headingRef = useRef<HTMLHeadingElement>(null);
  const final = isFinal(job.status);

  useEffect(() => {
    if (isFinal(initialJob.status)) return;
    const controller = new AbortController();
    pollJob({
      initial: initialJob,
      signal: controller.signal,
      maxFailures: MAX_POLL_FAILURES,
      fetchJob: (signal) => fetchJob("", initialJob.id, signal),
      onUpdate: (next) => {
        setTrouble(null);
        setJob(next);
      },
      onRetry: () => setTrouble("offline"),
    }).catch((error: unknown) => {
      if (controller.signal.aborted) return;
      setTrouble(error instanceof ApiRequestError && error.status === 404 ? "gone" : "gave_up");
    });
    return () => controller.abort();
  }, [initialJob]);

  // When the job ends while the page is open, move focus to the new heading so keyboard and screen
  // reader users land on the result instead of a progress bar that no longer matters.
  const wasFinal = useRef(final);
  useEffect(() => {
    if (final && !wasFinal.current) headingRef.current?.focus();
    wasFinal.current = final;
  }, [final]);

  const label = jobStepLabel(job, job.options.burnIn);
  const started = Date.parse(job.startedAt ?? job.createdAt);
  const ended = job.finishedAt ? Date.parse(job.finishedAt) : now;
  const elapsed = ended !== null ? formatClock((ended - started) / 1000) : null;

  return (
    <>
      <h1 ref={headingRef} tabIndex={-1} className={styles.title}>
        {headingFor(job.status)}
      </h1>

      <section className={styles.card} aria-label="Progress" data-status={job.status}>
        <div className={styles.progressHead}>
          <span id="job-step" className={styles.step}>
            {label}
          </span>
          {elapsed !== null && (
            <span className={styles.elapsed}>
              {final ? "Took" : "Elapsed"} <span className={styles.clock}>{elapsed}</span>
            </span>
          )}
        </div>
        <progress
          className={styles.bar}
          max={100}
          value={job.progress}
          aria-valuenow={job.progress}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-labelledby="job-step"
        />
        <p className={styles.percent} aria-live="polite" aria-atomic="true" data-testid="job-progress-text">
          {job.progress}% · {label}
        </p>
        {!final && job.status === "queued" && (
          <p className={styles.hint} data-testid="queue-place">
            {job.queue ? `${queuePlaceLabel(job.queue)}. ` : ""}You can leave this page and come back.
          </p>
        )}
        {!final && job.status === "processing" && (
          <p className={styles.hint}>You can leave this page and come back: bookmark it or keep its address.</p>
        )}
        {trouble === "offline" && (
          <p className={styles.warning} role="status">
            Can't reach the server right now; still trying…
          </p>
        )}
        {trouble === "gave_up" && (
          <p className={styles.warning} role="status">
            Lost contact with the server. Reload the page to see the latest state.
          </p>
        )}
        {trouble === "gone" && (
          <p className={styles.warning} role="status">
            This job no longer exists.
          </p>
        )}
      </section>

      {job.status === "completed" && job.result && <JobResult jobId={job.id} result={job.result} />}
      {(job.status === "failed" || job.status === "canceled") && (
        <JobFailure jobId={job.id} status={job.status} error={job.error} />
      )}
      {job.status === "expired" && job.expiry && (
        <p className={styles.warning} role="status">
          {job.expiry.message}
        </p>
      )}

      {/* A failure shows the id with a copy button already. */}
      {job.status !== "failed" && job.status !== "canceled" && (
        <p className={styles.meta}>
          Job id <code className={styles.jobId}>{job.id}</code>
        </p>
      )}
    </>
  );
}

function headingFor(status: string): string {
  switch (status) {
    case "completed":
      return "Your captioned video is ready";
    case "failed":
      return "Captioning failed";
    case "canceled":
      return "Captioning canceled";
    case "expired":
      return "This job's files were deleted";
    default:
      return "Captioning your video";
  }
}

/** The current time, ticking each second while `running`; null during server rendering (no clock mismatch). */
function useNow(running: boolean): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}
