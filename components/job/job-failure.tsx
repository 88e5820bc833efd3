import { isInputError } from "@/lib/client/job-labels";
import { CopyButton } from "./copy-button";
import styles from "./job.module.css";

interface JobFailureProps {
  jobId: string;
  status: "failed" | "canceled";
  error: { code: string; message: string } | null;
}

/** What went wrong, in the API's public words, and what the person can do about it. */
export function JobFailure({ jobId, status, error }: JobFailureProps) {
  const code = error?.code ?? (status === "canceled" ? "CANCELED" : "INTERNAL");
  const message =
    error?.message ?? (status === "canceled" ? "Canceled by an administrator." : "Something went wrong on our side.");
  const fileProblem = isInputError(code);
  return (
    <section className={styles.failure} role="alert" aria-labelledby="failure-heading">
      <h2 id="failure-heading" className={styles.failureTitle}>
        {status === "canceled" ? "This job was canceled" : "We couldn't caption this video"}
      </h2>
      <p className={styles.failureMessage}>{message}</p>
      <p className={styles.errorCode}>
        Error code: <code>{code}</code>
      </p>
      <h3 className={styles.nextTitle}>What you can do</h3>
      <ul className={styles.nextSteps}>
        {status === "canceled" ? (
          <li>
            An administrator stopped it. If you still need captions, <a href="/">upload the video again</a>.
          </li>
        ) : code === "LANGUAGE_UNSUPPORTED" ? (
          <li>
            <a href="/">Upload it again</a> with the spoken language set to “Detect automatically” or English.
          </li>
        ) : fileProblem ? (
          <li>
            Check that the file plays on your computer, then <a href="/">try another file</a>.
          </li>
        ) : (
          <li>
            <a href="/">Try again</a> in a few minutes.
          </li>
        )}
        <li>
          If it keeps happening, contact support and quote the job id:
          <span className={styles.jobIdRow}>
            <code className={styles.jobId}>{jobId}</code>
            <CopyButton text={jobId} label="Copy job id" />
          </span>
        </li>
      </ul>
    </section>
  );
}
