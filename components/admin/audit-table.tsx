import Link from "next/link";
import { auditActionLabel, formatDateTime } from "@/lib/admin/formatting";

export interface AuditRow {
  id: string;
  at: Date;
  userEmail: string;
  action: string;
  jobId?: string | null;
  data: unknown;
}

/** Who did what, when: the audit log page (with a job column) and a job's own admin actions (without). */
export function AuditTable({ entries, showJob }: { entries: AuditRow[]; showJob: boolean }) {
  return (
    <div className="adm-table-wrap">
      <table className="adm-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            {showJob && <th scope="col">Job</th>}
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td className="adm-nowrap">{formatDateTime(entry.at)}</td>
              <td>{entry.userEmail}</td>
              <td>{auditActionLabel(entry.action)}</td>
              {showJob && (
                <td>
                  {entry.jobId ? (
                    <Link className="adm-mono" href={`/admin/jobs/${entry.jobId}`}>
                      {entry.jobId}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
              )}
              <td className="adm-mono">{entry.data ? JSON.stringify(entry.data) : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
