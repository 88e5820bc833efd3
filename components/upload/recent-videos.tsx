"use client";

import { useEffect, useState } from "react";
import { jobStepLabel } from "@/lib/client/job-labels";
import { forgetJob, type RecentJob, readRecentJobs } from "@/lib/client/recent-jobs";
import { ApiRequestError, fetchJob } from "@/lib/client/video-api";
import styles from "./upload.module.css";

interface Row extends RecentJob {
  /** Words for the job's state from the public API; null while loading or when it could not be read. */
  state: string | null;
}

/** The videos this browser submitted, newest first, each with its current status and a link to its page. */
export function RecentVideos() {
  const [rows, setRows] = useState<Row[] | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const jobs = readRecentJobs();
    setRows(jobs.map((job) => ({ ...job, state: null })));
    for (const job of jobs) {
      fetchJob("", job.id, controller.signal).then(
        (current) => {
          const state =
            current.status === "processing"
              ? `${jobStepLabel(current, current.options.burnIn)} · ${current.progress}%`
              : jobStepLabel(current);
          setRows((before) => before?.map((row) => (row.id === job.id ? { ...row, state } : row)) ?? null);
        },
        (error: unknown) => {
          // A job that no longer exists leaves the list; anything else (offline) just shows no status.
          if (error instanceof ApiRequestError && error.status === 404) {
            forgetJob(job.id);
            setRows((before) => before?.filter((row) => row.id !== job.id) ?? null);
          }
        },
      );
    }
    return () => controller.abort();
  }, []);

  if (!rows || rows.length === 0) return null;
  return (
    <section className={styles.recent} aria-labelledby="recent-title">
      <h2 id="recent-title" className={styles.recentTitle}>
        My recent videos
      </h2>
      <ul className={styles.recentList}>
        {rows.map((row) => (
          <li key={row.id}>
            <a href={`/jobs/${encodeURIComponent(row.id)}`}>{row.filename}</a>{" "}
            <span className={styles.recentState}>{row.state ?? "…"}</span>
          </li>
        ))}
      </ul>
      <p className={styles.recentNote}>Kept in this browser only.</p>
    </section>
  );
}
