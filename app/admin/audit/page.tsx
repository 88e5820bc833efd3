import type { Metadata } from "next";
import Link from "next/link";
import { AuditTable } from "@/components/admin/audit-table";
import { listAuditLog } from "@/lib/admin/audit-log";
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
        <AuditTable entries={entries} showJob />
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
