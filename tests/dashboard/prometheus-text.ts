// A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: it throws on
// anything a Prometheus server would reject or that breaks the format's rules (a sample before its
// TYPE, a malformed label, a histogram whose buckets are not cumulative or lack +Inf = _count).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const families = new Map<string, Family>();
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // a plain comment
      const [, keyword, name = "", rest = ""] = match;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const family = families.get(name) ?? { name, type: "untyped" as const, samples: [] };
      if (keyword === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        family.type = rest as Family["type"];
      } else {
        family.help = rest;
      }
      families.set(name, family);
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${where}: sample without a TYPE line`);
    family.samples.push(sample);
  });
  for (const family of families.values()) {
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!nameMatch?.[1]) throw new Error(`${where}: no metric name`);
  const name = nameMatch[1];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    let i = 1;
    while (rest[i] !== "}") {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest.slice(i));
      if (!labelMatch?.[1] || !LABEL_NAME.test(labelMatch[1])) throw new Error(`${where}: bad label`);
      i += labelMatch[0].length;
      let value = "";
      for (;;) {
        const c = rest[i];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        i += 1;
        if (c === '"') break;
        if (c === "\\") {
          const next = rest[i];
          i += 1;
          if (next === "n") value += "\n";
          else if (next === "\\" || next === '"') value += next;
          else throw new Error(`${where}: bad escape in label value`);
        } else {
          value += c;
        }
      }
      if (labelMatch[1] in labels) throw new Error(`${where}: duplicate label ${labelMatch[1]}`);
      labels[labelMatch[1]] = value;
      if (rest[i] === ",") i += 1;
      else if (rest[i] !== "}") throw new Error(`${where}: expected , or }`);
    }
    rest = rest.slice(i + 1);
  }
  const valueMatch = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!valueMatch?.[1]) throw new Error(`${where}: expected " <value> [timestamp]"`);
  return { name, labels, value: parseValue(valueMatch[1], where) };
}

function parseValue(text: string, where: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  const direct = families.get(sampleName);
  if (direct) return direct;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family && (family.type === "histogram" || (family.type === "summary" && suffix !== "_bucket"))) return family;
  }
  return undefined;
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    if (sample.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push([parseValue(le, family.name), sample.value]);
    } else if (sample.name === `${family.name}_sum`) entry.sum = sample.value;
    else if (sample.name === `${family.name}_count`) entry.count = sample.value;
    else throw new Error(`${family.name}: unexpected sample ${sample.name}`);
    series.set(key, entry);
  }
  for (const [key, entry] of series) {
    const last = entry.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (entry.count === undefined || entry.sum === undefined) throw new Error(`${family.name}${key}: no _sum/_count`);
    if (last[1] !== entry.count) throw new Error(`${family.name}${key}: +Inf bucket ≠ _count`);
    for (let i = 1; i < entry.buckets.length; i += 1) {
      const [prevLe, prevCount] = entry.buckets[i - 1] ?? [0, 0];
      const [le, count] = entry.buckets[i] ?? [0, 0];
      if (!(le > prevLe)) throw new Error(`${family.name}${key}: le not increasing`);
      if (count < prevCount) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
  }
}

/** The value of the one sample of `name` whose labels include `labels` (throws if none or several). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = familyOf(families, name);
  const matches = (family?.samples ?? []).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length !== 1) throw new Error(`${name}${JSON.stringify(labels)}: ${matches.length} samples`);
  return matches[0]?.value ?? Number.NaN;
}
