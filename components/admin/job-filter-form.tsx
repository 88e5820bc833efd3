import Link from "next/link";
import { humanize } from "@/lib/admin/formatting";
import { JOB_SORTS, type JobFilter, PAGE_SIZES } from "@/lib/admin/job-filters";
import { JobStatus } from "@/lib/db";
import { JOB_ERROR_CODES } from "@/lib/error-codes";

/**
 * The job list's filters as a plain GET form: the filter lands in the URL, works without JavaScript and
 * survives a refresh. Changing the filter starts again at page 1 (no page field).
 */
export function JobFilterForm({ filter }: { filter: JobFilter }) {
  return (
    <form className="adm-filters" method="get" action="/admin/jobs" aria-label="Filter jobs">
      <div className="adm-field adm-field-wide">
        <label htmlFor="f-q">Search</label>
        <input
          id="f-q"
          name="q"
          type="search"
          defaultValue={filter.q ?? ""}
          placeholder="Job id, file name or error text"
        />
      </div>
      <div className="adm-field">
        <label htmlFor="f-status">Status</label>
        <select id="f-status" name="status" defaultValue={filter.status ?? ""}>
          <option value="">Any</option>
          {Object.values(JobStatus).map((status) => (
            <option key={status} value={status}>
              {humanize(status)}
            </option>
          ))}
        </select>
      </div>
      <div className="adm-field">
        <label htmlFor="f-code">Error code</label>
        <select id="f-code" name="code" defaultValue={filter.code ?? ""}>
          <option value="">Any</option>
          {JOB_ERROR_CODES.map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      </div>
      <div className="adm-field">
        <label htmlFor="f-submitter">Submitted by</label>
        <input
          id="f-submitter"
          name="submitter"
          defaultValue={filter.submitter ?? ""}
          placeholder="key_…, ip_… or user id"
          spellCheck={false}
        />
      </div>
      <div className="adm-field">
        <label htmlFor="f-from">Created from (UTC)</label>
        <input id="f-from" name="from" type="date" defaultValue={filter.from ?? ""} />
      </div>
      <div className="adm-field">
        <label htmlFor="f-to">Created until (UTC)</label>
        <input id="f-to" name="to" type="date" defaultValue={filter.to ?? ""} />
      </div>
      <div className="adm-field">
        <label htmlFor="f-sort">Sort by</label>
        <select id="f-sort" name="sort" defaultValue={filter.sort}>
          {Object.entries(JOB_SORTS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="adm-field">
        <label htmlFor="f-dir">Order</label>
        <select id="f-dir" name="dir" defaultValue={filter.dir}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
      </div>
      <div className="adm-field">
        <label htmlFor="f-size">Per page</label>
        <select id="f-size" name="size" defaultValue={String(filter.size)}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </div>
      <div className="adm-buttons">
        <button type="submit" className="adm-button">
          Apply
        </button>
        <Link className="adm-button" data-variant="secondary" href="/admin/jobs">
          Clear
        </Link>
      </div>
    </form>
  );
}
