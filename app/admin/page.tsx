import type { Metadata } from "next";
import Link from "next/link";
import { AutoRefresh } from "@/components/admin/auto-refresh";
import { HourlyChart } from "@/components/admin/hourly-chart";
import { formatDateTime, formatDuration, humanize } from "@/lib/admin/formatting";
import { getOverview } from "@/lib/admin/overview";
import { appServices } from "@/lib/app-services";
import { CONSOLE_READERS } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";
import { JobStatus } from "@/lib/db";

export const metadata: Metadata = { title: "Overview" };
export const dynamic = "force-dynamic";

export default async function OverviewPage() {
  await requireRole(CONSOLE_READERS, "/admin");
  const overview = await getOverview(appServices());
  const { queue, processing } = overview;

  return (
    <>
      <div className="adm-toolbar">
        <h1>Overview</h1>
        <AutoRefresh seconds={15} />
      </div>

      <section aria-labelledby="status-title">
        <h2 id="status-title">Jobs by status</h2>
        <dl className="adm-tiles">
          {Object.values(JobStatus).map((status) => (
            <div className="adm-tile" key={status}>
              <dt>
                <Link href={`/admin/jobs?status=${status}`}>{humanize(status)}</Link>
              </dt>
              <dd>{overview.byStatus[status]}</dd>
            </div>
          ))}
        </dl>
      </section>

      <div className="adm-grid">
        <section aria-labelledby="queue-title">
          <h2 id="queue-title">Queue backlog</h2>
          <p className="adm-muted">Jobs waiting for a worker or being processed. Failed jobs are counted above.</p>
          {queue ? (
            <dl className="adm-tiles">
              {(["waiting", "active", "delayed"] as const).map((state) => (
                <div className="adm-tile" key={state}>
                  <dt>{humanize(state)}</dt>
                  <dd>{queue[state]}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="adm-alert" role="status">
              The queue (Redis) did not answer: backlog unknown.
            </p>
          )}
        </section>

        <section aria-labelledby="timing-title">
          <h2 id="timing-title">Processing time, last 24 h</h2>
          {processing ? (
            <dl className="adm-tiles">
              <div className="adm-tile">
                <dt>Median (p50)</dt>
                <dd>{formatDuration(processing.p50)}</dd>
              </div>
              <div className="adm-tile">
                <dt>p95</dt>
                <dd>{formatDuration(processing.p95)}</dd>
              </div>
              <div className="adm-tile">
                <dt>Completed jobs</dt>
                <dd>{processing.count}</dd>
              </div>
            </dl>
          ) : (
            <p className="adm-muted">No job completed in the last 24 hours.</p>
          )}
        </section>
      </div>

      <section aria-labelledby="hourly-title">
        <h2 id="hourly-title">Finished per hour</h2>
        <HourlyChart buckets={overview.hourly} id="hourly-chart" />
      </section>

      <section aria-labelledby="failures-title">
        <h2 id="failures-title">Latest failures</h2>
        {overview.latestFailures.length === 0 ? (
          <p className="adm-muted">No failed jobs.</p>
        ) : (
          <div className="adm-table-wrap">
            <table className="adm-table">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Error code</th>
                  <th scope="col">File</th>
                  <th scope="col">Failed at</th>
                </tr>
              </thead>
              <tbody>
                {overview.latestFailures.map((job) => (
                  <tr key={job.id}>
                    <td>
                      <Link className="adm-mono" href={`/admin/jobs/${job.id}`}>
                        {job.id}
                      </Link>
                    </td>
                    <td>
                      {job.errorCode ? (
                        <Link href={`/admin/jobs?status=failed&code=${job.errorCode}`}>{job.errorCode}</Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>{job.originalFilename ?? "—"}</td>
                    <td className="adm-nowrap">{formatDateTime(job.finishedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <p className="adm-muted">Generated {formatDateTime(overview.generatedAt)}.</p>
    </>
  );
}
