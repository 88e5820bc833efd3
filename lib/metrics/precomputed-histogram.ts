import { Histogram } from "prom-client";
import type { HistogramSeries } from "./stage-durations";

type Labels<L extends string> = Record<L, string>;

/**
 * A Prometheus histogram whose buckets are counted elsewhere (in SQL) on each scrape. prom-client's
 * Histogram only counts observations it sees one by one, so this one replaces what it reports: the
 * registry reads `getForPromString()`, JSON consumers read `get()`; both give _bucket/_sum/_count.
 */
export class PrecomputedHistogram<L extends string> extends Histogram<L> {
  constructor(
    private readonly spec: {
      name: string;
      help: string;
      labelNames: readonly L[];
      bounds: readonly number[];
      read: () => Promise<{ labels: Labels<L>; series: HistogramSeries }[]>;
    },
  ) {
    super({ name: spec.name, help: spec.help, labelNames: spec.labelNames, buckets: [...spec.bounds], registers: [] });
  }

  override async get() {
    const all = await this.spec.read();
    const values = all.flatMap(({ labels, series }) => [
      ...this.spec.bounds.map((le, i) => ({
        labels: { ...labels, le },
        value: series.cumulative[i] ?? 0,
        metricName: `${this.spec.name}_bucket`,
      })),
      { labels: { ...labels, le: "+Inf" }, value: series.count, metricName: `${this.spec.name}_bucket` },
      { labels, value: series.sum, metricName: `${this.spec.name}_sum` },
      { labels, value: series.count, metricName: `${this.spec.name}_count` },
    ]);
    // prom-client types `type` as a numeric enum, but its registry prints the string.
    return {
      name: this.spec.name,
      help: this.spec.help,
      type: "histogram" as never,
      aggregator: "sum" as const,
      collect: () => {},
      values,
    };
  }

  async getForPromString() {
    return this.get();
  }
}
