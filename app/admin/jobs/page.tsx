import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/admin/action-button";
import { AutoRefresh } from "@/components/admin/auto-refresh";
import { CollapsibleFilters } from "@/components/admin/collapsible-filters";
import { JobFilterForm } from "@/components/admin/job-filter-form";
import { JobThumbnail } from "@/components/admin/job-thumbnail";
import { RelativeTime } from "@/components/admin/relative-time";
import { StatusBadge } from "@/components/admin/status-badge";
import { formatBytes, formatDateTime, formatDuration, formatRelative, humanize } from "@/lib/admin/formatting";
import {
  isFiltered,
  JOB_SORTS,
  type JobFilter,
  type JobSort,
  jobFilterQuery,
  parseJobFilter,
} from "@/lib/admin/job-filters";
import { listJobs } from "@/lib/admin/job-list";
import { consoleThumbnailUrl } from "@/lib/admin/job-thumbnail";
import { describeSubmitter } from "@/lib/admin/submitter";
import { appServices } from "@/lib/app-services";
import { CONSOLE_READERS, JOB_ADMINS, roleAllows } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Jobs" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function href(filter: JobFilter, overrides: Partial<JobFilter> = {}): string {
  const query = jobFilterQuery(filter, overrides);
  return query ? `/admin/jobs?${query}` : "/admin/jobs";
}

/** A column header that sorts by it; a second click flips the order. */
function SortHeader({ filter, sort, className }: { filter: JobFilter; sort: JobSort; className?: string }) {
  const active = filter.sort === sort;
  const dir = active && filter.dir === "desc" ? "asc" : "desc";
  return (
    <th
      scope="col"
      className={className}
      aria-sort={active ? (filter.dir === "asc" ? "ascending" : "descending") : undefined}
    >
      <Link href={href(filter, { sort, dir, page: 1 })}>
        {JOB_SORTS[sort]}
        {active ? (filter.dir === "asc" ? " ▲" : " ▼") : ""}
      </Link>
    </th>
  );
}

/** The submitter, linking to the list narrowed to their jobs. */
function SubmitterLink({ filter, submitter }: { filter: JobFilter; submitter: ReturnType<typeof describeSubmitter> }) {
  if (!submitter.filter) return <span className="adm-muted">{submitter.label}</span>;
  return <Link href={href(filter, { submitter: submitter.filter, page: 1 })}>{submitter.label}</Link>;
}

function When({ at, now }: { at: Date; now: Date }) {
  return <RelativeTime iso={at.toISOString()} relative={formatRelative(at, now)} utc={formatDateTime(at)} />;
}

export default async function JobsPage({ searchParams }: { searchParams: SearchParams }) {
  const query = await searchParams;
  const filter = parseJobFilter(query);
  const user = await requireRole(CONSOLE_READERS, href(filter));
  const { rows, total, page, pageCount } = await listJobs(appServices().db, filter, user.role);
  const now = new Date();
  const current = { ...filter, page };
  const canBulkRetry = roleAllows(JOB_ADMINS, user.role) && (!filter.status || filter.status === "failed");

  return (
    <>
      <h1>Jobs</h1>
      <CollapsibleFilters
        active={[filter.q, filter.status, filter.code, filter.from, filter.to].filter(Boolean).length}
      >
        <JobFilterForm filter={filter} />
      </CollapsibleFilters>

      <div className="adm-toolbar">
        <p role="status" style={{ margin: 0 }}>
          {total === 0
            ? "No jobs match."
            : `${total} job${total === 1 ? "" : "s"}${isFiltered(filter) ? " match" : ""} · page ${page} of ${pageCount}`}
        </p>
        <div className="adm-buttons">
          <AutoRefresh seconds={5} />
          {canBulkRetry && (
            <ActionButton
              endpoint={`/api/admin/jobs/retry-failed?${jobFilterQuery(current, { page: 1 })}`}
              label="Retry failed jobs in this list"
              question="Retry every failed job matching this filter (up to 500)?"
              confirmLabel="Yes, retry them"
              pendingLabel="Retrying…"
              reportsCount
            />
          )}
        </div>
      </div>

      {rows.length > 0 && (
        <div className="adm-table-wrap">
          <table className="adm-table">
            <caption>
              Jobs{isFiltered(filter) ? " matching the filter" : ""}, sorted by {JOB_SORTS[filter.sort].toLowerCase()}
            </caption>
            <thead>
              <tr>
                <th scope="col">
                  <span className="adm-visually-hidden">Thumbnail</span>
                </th>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Error</th>
                <th scope="col">Submitted by</th>
                <SortHeader filter={current} sort="created" />
                <SortHeader filter={current} sort="updated" />
                <SortHeader filter={current} sort="duration" className="adm-num" />
                <SortHeader filter={current} sort="attempts" className="adm-num" />
              </tr>
            </thead>
            <tbody>
              {rows.map((job) => (
                <tr key={job.id}>
                  <td className="adm-thumb-cell">
                    <JobThumbnail
                      src={consoleThumbnailUrl(job)}
                      size="row"
                      pending={job.status === "queued" || job.status === "processing"}
                    />
                  </td>
                  <td>
                    <Link className="adm-mono" href={`/admin/jobs/${job.id}`}>
                      {job.id}
                    </Link>
                    <div className="adm-muted">{job.originalFilename ?? "—"}</div>
                    <div className="adm-muted adm-nowrap">
                      {job.durationSec === null ? "—" : formatDuration(job.durationSec * 1000)} ·{" "}
                      {job.inputSize === null ? "—" : formatBytes(job.inputSize)}
                    </div>
                  </td>
                  <td>
                    <StatusBadge status={job.status} />
                    {job.status === "processing" && (
                      <div className="adm-muted adm-nowrap">
                        {job.phase ? humanize(job.phase) : "Starting"} · {job.progress}%
                      </div>
                    )}
                  </td>
                  <td>{job.errorCode ?? "—"}</td>
                  <td>
                    <SubmitterLink filter={current} submitter={describeSubmitter(job)} />
                  </td>
                  <td className="adm-nowrap">
                    <When at={job.createdAt} now={now} />
                  </td>
                  <td className="adm-nowrap">
                    <When at={job.updatedAt} now={now} />
                  </td>
                  <td className="adm-num">{formatDuration(job.processingMs)}</td>
                  <td className="adm-num">{job.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {pageCount > 1 && (
        <nav className="adm-pagination" aria-label="Pages">
          {page > 1 ? <Link href={href(current, { page: page - 1 })}>← Previous</Link> : <span aria-hidden="true" />}
          <span>
            Page {page} of {pageCount}
          </span>
          {page < pageCount && <Link href={href(current, { page: page + 1 })}>Next →</Link>}
        </nav>
      )}
    </>
  );
}
