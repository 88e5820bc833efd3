import type { Metadata } from "next";
import Link from "next/link";
import { listAuditLog } from "@/lib/admin/audit-log";
import { auditActionLabel, formatDateTime } from "@/lib/admin/formatting";
import { appServices } from "@/lib/app-services";
import { JOB_ADMINS } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Every admin action (retry, cancel, bulk retry), newest first. Admins only. */
export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  await requireRole(JOB_ADMINS, "/admin/audit");
  const query = await searchParams;
  const { entries, page, pageCount } = await listAuditLog(appServices().db, Number(query.page ?? 1));
  return (
    <>
      <h1>Audit log</h1>
      {entries.length === 0 ? (
        <p className="adm-muted">No admin action has been recorded yet.</p>
      ) : (
        <div className="adm-table-wrap">
          <table className="adm-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Job</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="adm-nowrap">{formatDateTime(entry.at)}</td>
                  <td>{entry.userEmail}</td>
                  <td>{auditActionLabel(entry.action)}</td>
                  <td>
                    {entry.jobId ? (
                      <Link className="adm-mono" href={`/admin/jobs/${entry.jobId}`}>
                        {entry.jobId}
                      </Link>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td className="adm-mono">{entry.data ? JSON.stringify(entry.data) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pageCount > 1 && (
        <nav className="adm-pagination" aria-label="Pages">
          {page > 1 && <Link href={`/admin/audit?page=${page - 1}`}>← Newer</Link>}
          <span>
            Page {page} of {pageCount}
          </span>
          {page < pageCount && <Link href={`/admin/audit?page=${page + 1}`}>Older →</Link>}
        </nav>
      )}
    </>
  );
}
