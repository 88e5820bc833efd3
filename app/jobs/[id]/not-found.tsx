import styles from "@/components/job/job.module.css";

/** An unknown or mistyped job id. */
export default function JobNotFound() {
  return (
    <main className={styles.page}>
      <div className={styles.notFound}>
        <h1 className={styles.title}>We can't find that job</h1>
        <p>
          The link may be mistyped, or the job was removed. Job links look like{" "}
          <code className={styles.jobId}>/jobs/job_…</code> followed by 22 letters and digits.
        </p>
        <p>
          <a href="/">Caption a new video</a>
        </p>
      </div>
    </main>
  );
}
