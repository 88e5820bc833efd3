import type { Metadata } from "next";
import Link from "next/link";
import { AuditTable } from "@/components/admin/audit-table";
import { type AuditFilter, auditFilterQuery, listAuditLog, parseAuditFilter } from "@/lib/admin/audit-log";
import { auditActionLabel } from "@/lib/admin/formatting";
import { appServices } from "@/lib/app-services";
import { JOB_ADMINS } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function href(filter: AuditFilter, overrides: Partial<AuditFilter> = {}): string {
  const query = auditFilterQuery(filter, overrides);
  return query ? `/admin/audit?${query}` : "/admin/audit";
}

/** Every admin action as a sentence, newest first, filtered by action, user and job. Admins only. */
export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const filter = parseAuditFilter(await searchParams);
  await requireRole(JOB_ADMINS, href(filter));
  const { entries, page, pageCount, total, actions } = await listAuditLog(appServices().db, filter);
  const filtered = Boolean(filter.action || filter.user || filter.job);
  const current = { ...filter, page };
  return (
    <>
      <h1>Audit log</h1>
      <form className="adm-filters" method="get" action="/admin/audit" aria-label="Filter the audit log">
        <label>
          Action
          <select name="action" defaultValue={filter.action ?? ""}>
            <option value="">Any</option>
            {actions.map((action) => (
              <option key={action} value={action}>
                {auditActionLabel(action)}
              </option>
            ))}
          </select>
        </label>
        <label>
          User
          <input name="user" type="search" defaultValue={filter.user ?? ""} placeholder="email contains…" />
        </label>
        <label>
          Job
          <input name="job" type="search" defaultValue={filter.job ?? ""} placeholder="job id contains…" />
        </label>
        <button className="adm-button" type="submit">
          Apply
        </button>
        {filtered && <Link href="/admin/audit">Clear</Link>}
      </form>
      <p role="status">
        {total === 0
          ? filtered
            ? "No admin action matches."
            : "No admin action has been recorded yet."
          : `${total} action${total === 1 ? "" : "s"}${filtered ? " match" : ""} · page ${page} of ${pageCount}`}
      </p>
      {entries.length > 0 && <AuditTable entries={entries} showJob />}
      {pageCount > 1 && (
        <nav className="adm-pagination" aria-label="Pages">
          {page > 1 ? <Link href={href(current, { page: page - 1 })}>← Newer</Link> : <span aria-hidden="true" />}
          <span>
            Page {page} of {pageCount}
          </span>
          {page < pageCount && <Link href={href(current, { page: page + 1 })}>Older →</Link>}
        </nav>
      )}
    </>
  );
}
