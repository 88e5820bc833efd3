import { Fragment } from "react";
import { humanize } from "@/lib/admin/formatting";
import type { JobDetail } from "@/lib/admin/job-detail";

const SHOWN_APART = new Set(["stage", "attempt", "maxAttempts", "stderrTail"]);

/** The rest of an error detail (backend, timeouts, durations…) as readable text. */
function describe(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The stderr tail and the other fields of an error detail (support and admins only). */
export function ErrorDetailFacts({ detail }: { detail: Record<string, unknown> }) {
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
        <dd>{attempt === null ? "—" : `${attempt}${maxAttempts ? ` of ${maxAttempts}` : ""}`}</dd>
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
export function ErrorPanel({ error }: { error: NonNullable<JobDetail["error"]> }) {
  return (
    <section className="adm-panel" data-tone="danger" aria-labelledby="error-title">
      <h2 id="error-title" style={{ marginTop: 0 }}>
        Error <span className="adm-mono">{error.code}</span>
      </h2>
      <p>{error.message ?? "No message was recorded."}</p>
      {error.detail ? (
        <ErrorDetailFacts detail={error.detail} />
      ) : (
        <p className="adm-muted">The error's detail (stage, program output) is shown to support and admins.</p>
      )}
    </section>
  );
}
