import Link from "next/link";
import { auditSentence } from "@/lib/admin/audit-sentence";
import { formatDateTime } from "@/lib/admin/formatting";

export interface AuditRow {
  id: string;
  at: Date;
  userEmail: string;
  action: string;
  jobId?: string | null;
  data: unknown;
}

/**
 * Who did what, when, as sentences ("admin@… retried job … (INVALID_MEDIA), run 2."): the audit log page
 * (linking the job) and a job's own admin actions. The recorded data stays one click away.
 */
export function AuditTable({ entries, showJob }: { entries: AuditRow[]; showJob: boolean }) {
  return (
    <div className="adm-table-wrap">
      <table className="adm-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const sentence = auditSentence(entry);
            return (
              <tr key={entry.id} data-action={entry.action}>
                <td className="adm-nowrap">{formatDateTime(entry.at)}</td>
                <td>
                  {sentence.lead}
                  {sentence.jobId &&
                    (showJob ? (
                      <Link className="adm-mono adm-token" href={`/admin/jobs/${sentence.jobId}`}>
                        {sentence.jobId}
                      </Link>
                    ) : (
                      <span className="adm-mono adm-token">{sentence.jobId}</span>
                    ))}
                  {sentence.tail}
                  {entry.data !== null && entry.data !== undefined && (
                    <details>
                      <summary className="adm-muted">Recorded data</summary>
                      <pre className="adm-pre">{JSON.stringify(entry.data, null, 2)}</pre>
                    </details>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
