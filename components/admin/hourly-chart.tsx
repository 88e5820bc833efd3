import type { HourBucket } from "@/lib/admin/overview";

const WIDTH = 960;
const HEIGHT = 260;
const PAD = { top: 12, right: 8, bottom: 28, left: 36 };

function hourLabel(date: Date): string {
  return `${String(date.getUTCHours()).padStart(2, "0")}:00`;
}

/** Round numbers for the y axis: 1, 2, 5, 10, 20, 50… so gridlines land on values people read at a glance. */
function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((s) => s * magnitude >= value / 4) ?? 10;
  return Math.ceil(value / (step * magnitude)) * step * magnitude;
}

/**
 * Completed and failed jobs per hour as stacked bars: inline SVG rendered on the server (no chart
 * library, no script). Screen readers get the title and a summary, each bar names its numbers, and the
 * full table is one click away. Failed bars are hatched so the two series differ without colour too.
 */
export function HourlyChart({ buckets, id }: { buckets: HourBucket[]; id: string }) {
  const totals = buckets.reduce(
    (sum, b) => ({ completed: sum.completed + b.completed, failed: sum.failed + b.failed }),
    {
      completed: 0,
      failed: 0,
    },
  );
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.completed + b.failed)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(2, slot * 0.7);
  const y = (value: number) => PAD.top + plotH - (value / max) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(max * f));
  const first = buckets[0];
  const last = buckets.at(-1);
  const range =
    first && last ? `${hourLabel(first.hour)}–${hourLabel(new Date(last.hour.getTime() + 3600_000))} UTC` : "";

  return (
    <figure className="adm-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <title id={`${id}-title`}>Completed and failed jobs per hour, last 24 hours</title>
        <desc id={`${id}-desc`}>
          {`${totals.completed} completed and ${totals.failed} failed between ${range}. The table below the chart lists every hour.`}
        </desc>
        <defs>
          <pattern id={`${id}-hatch`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" className="bar-failed" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" strokeWidth="2" />
          </pattern>
        </defs>
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        <line className="axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} />
        {buckets.map((bucket, i) => {
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const completedTop = y(bucket.completed);
          const failedTop = y(bucket.completed + bucket.failed);
          return (
            <g key={bucket.hour.toISOString()}>
              <title>{`${hourLabel(bucket.hour)} UTC: ${bucket.completed} completed, ${bucket.failed} failed`}</title>
              {/* A transparent full-height target so the hour's numbers show on hover even for empty hours. */}
              <rect x={PAD.left + i * slot} y={PAD.top} width={slot} height={plotH} fill="transparent" />
              {bucket.completed > 0 && (
                <rect className="bar-completed" x={x} y={completedTop} width={barW} height={y(0) - completedTop} />
              )}
              {bucket.failed > 0 && (
                <rect fill={`url(#${id}-hatch)`} x={x} y={failedTop} width={barW} height={completedTop - failedTop} />
              )}
              {i % 3 === 0 && (
                <text x={PAD.left + i * slot + slot / 2} y={HEIGHT - 8} textAnchor="middle">
                  {hourLabel(bucket.hour)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul className="adm-legend">
          <li>
            <span className="adm-swatch" style={{ background: "var(--ok)" }} aria-hidden="true" />
            Completed ({totals.completed})
          </li>
          <li>
            <svg className="adm-swatch" viewBox="0 0 12 12" aria-hidden="true">
              <rect width="12" height="12" fill={`url(#${id}-hatch)`} />
            </svg>
            Failed ({totals.failed})
          </li>
        </ul>
        <details>
          <summary>Numbers per hour</summary>
          <div className="adm-table-wrap">
            <table className="adm-table">
              <caption>Jobs finished per hour (UTC), last 24 hours</caption>
              <thead>
                <tr>
                  <th scope="col">Hour</th>
                  <th scope="col" className="adm-num">
                    Completed
                  </th>
                  <th scope="col" className="adm-num">
                    Failed
                  </th>
                </tr>
              </thead>
              <tbody>
                {buckets.map((bucket) => (
                  <tr key={bucket.hour.toISOString()}>
                    <th scope="row">{hourLabel(bucket.hour)}</th>
                    <td className="adm-num">{bucket.completed}</td>
                    <td className="adm-num">{bucket.failed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </figcaption>
    </figure>
  );
}
