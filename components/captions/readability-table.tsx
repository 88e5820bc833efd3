import type { ReadabilityReport } from "@/lib/captions/readability";
import { readabilitySummary, ruleRows } from "@/lib/client/readability-labels";

/**
 * The readability report as a summary sentence and a table of rules (limit, captions breaking it),
 * plus reading-speed figures. Unstyled markup: the public page and the console pass their own classes.
 */
export function ReadabilityTable({
  report,
  headingId,
  className,
}: {
  report: ReadabilityReport;
  headingId: string;
  className?: string;
}) {
  return (
    <div className={className}>
      <p>{readabilitySummary(report)}</p>
      <table aria-labelledby={headingId}>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Limit</th>
            <th scope="col">Captions breaking it</th>
          </tr>
        </thead>
        <tbody>
          {ruleRows(report).map((row) => (
            <tr key={row.rule}>
              <th scope="row">{row.rule}</th>
              <td>{row.limit}</td>
              <td data-broken={row.broken > 0 || undefined}>{row.broken}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Reading speed: median {report.cps.p50} characters/s, fastest {report.cps.max}. Time on screen{" "}
        {report.durationSec.min}–{report.durationSec.max} s. Longest line {report.maxLineLength} characters.
      </p>
    </div>
  );
}
