import { formatDateTime, formatDuration, humanize } from "@/lib/admin/formatting";
import type { TimelineEntry } from "@/lib/admin/job-detail";
import { ErrorDetailFacts } from "./error-panel";

/** Every recorded step of the job, oldest first, with each finished stage's duration. */
export function JobTimeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {entries.length === 0 ? (
        <p className="adm-muted">Nothing recorded yet.</p>
      ) : (
        <div className="adm-table-wrap">
          <table className="adm-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col" className="adm-num">
                  Attempt
                </th>
                <th scope="col">Event</th>
                <th scope="col">Stage</th>
                <th scope="col" className="adm-num">
                  Duration
                </th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} data-event={entry.type}>
                  <td className="adm-nowrap">{formatDateTime(entry.at)}</td>
                  <td className="adm-num">{entry.attempt || "—"}</td>
                  <td>{humanize(entry.type)}</td>
                  <td>{entry.stage ? humanize(entry.stage) : "—"}</td>
                  <td className="adm-num adm-nowrap">{formatDuration(entry.durationMs)}</td>
                  <td>
                    {entry.message ?? ""}
                    {entry.detail && (
                      <details>
                        <summary>Error detail</summary>
                        <ErrorDetailFacts detail={entry.detail} final={entry.type === "failed"} />
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
