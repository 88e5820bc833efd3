import { Fragment } from "react";
import { humanize } from "@/lib/admin/formatting";
import type { JobDetail } from "@/lib/admin/job-detail";

const SHOWN_APART = new Set(["stage", "attempt", "maxAttempts", "stderrTail"]);

/** The rest of an error detail (backend, timeouts, durations…) as readable text. */
function describe(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * "2 of 3", and for the attempt that ended the job, why no other attempt followed: a permanent error is
 * never retried automatically, so "1 of 3" alone would promise tries that never come.
 */
export function describeAttempt(attempt: number | null, maxAttempts: number | null, final: boolean): string {
  if (attempt === null) return "—";
  const of = maxAttempts ? `${attempt} of ${maxAttempts}` : String(attempt);
  if (!final) return maxAttempts && attempt < maxAttempts ? `${of} — retried` : of;
  return maxAttempts && attempt < maxAttempts ? `${of} — not retried: permanent error` : `${of} — no attempts left`;
}

/** The stderr tail and the other fields of an error detail (support and admins only). */
export function ErrorDetailFacts({ detail, final }: { detail: Record<string, unknown>; final: boolean }) {
  const stage = typeof detail.stage === "string" ? detail.stage : null;
  const attempt = typeof detail.attempt === "number" ? detail.attempt : null;
  const maxAttempts = typeof detail.maxAttempts === "number" ? detail.maxAttempts : null;
  const stderr = typeof detail.stderrTail === "string" && detail.stderrTail.trim() !== "" ? detail.stderrTail : null;
  const rest = Object.entries(detail).filter(([key]) => !SHOWN_APART.has(key));
  return (
    <>
      <dl className="adm-facts">
        <dt>Stage</dt>
        <dd>{stage ? humanize(stage) : "—"}</dd>
        <dt>Attempt</dt>
        <dd>{describeAttempt(attempt, maxAttempts, final)}</dd>
        {rest.map(([key, value]) => (
          <Fragment key={key}>
            <dt>{key}</dt>
            <dd className="adm-mono">{describe(value)}</dd>
          </Fragment>
        ))}
      </dl>
      {stderr && (
        <>
          <h3 style={{ fontSize: "1rem", marginBottom: 0 }}>Last lines of stderr</h3>
          <pre className="adm-pre">{stderr}</pre>
        </>
      )}
    </>
  );
}

/** Why the job failed: the code and public message for everyone, the detail for support and admins. */
export function ErrorPanel({
  error,
  final,
  detailHidden,
  canceledBy,
}: {
  error: NonNullable<JobDetail["error"]>;
  /** The job ended on this error (failed or canceled), rather than waiting for its next attempt. */
  final: boolean;
  /** The viewer's role may not read error details (as opposed to: none was recorded). */
  detailHidden: boolean;
  canceledBy: string | null;
}) {
  return (
    <section className="adm-panel" data-tone="danger" aria-labelledby="error-title">
      <h2 id="error-title" style={{ marginTop: 0 }}>
        Error <span className="adm-mono">{error.code}</span>
      </h2>
      <p>
        {error.code === "CANCELED" && canceledBy
          ? `Canceled by ${canceledBy}.`
          : (error.message ?? "No message was recorded.")}
      </p>
      {error.permanent && error.code !== "CANCELED" && (
        <p>
          <strong>Permanent error:</strong> not retried automatically; the same input fails the same way again.
        </p>
      )}
      {error.detail ? (
        <ErrorDetailFacts detail={error.detail} final={final} />
      ) : detailHidden ? (
        <p className="adm-muted">The error's detail (stage, program output) is shown to support and admins.</p>
      ) : (
        <p className="adm-muted">No further detail was recorded for this error.</p>
      )}
    </section>
  );
}
