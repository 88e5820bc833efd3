import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { appEnv, appEnvSchema } from "../../lib/env/app-env";
import { dashboardEnv, dashboardEnvSchema } from "../../lib/env/dashboard-env";
import { EnvError } from "../../lib/env/parse-env";
import { workerEnv, workerEnvSchema } from "../../lib/env/worker-env";

// The env.*.example files are what an operator copies to .env.app / .env.worker / .env.dashboard. They must
// list exactly the variables the process reads, describe each, hold no real secret, and — once the empty
// secrets are filled in — start the process.

const ROOT = path.resolve(import.meta.dirname, "../..");

interface Entry {
  key: string;
  value: string;
  /** `# KEY=value`: optional, shown with its default or an example. */
  commented: boolean;
  /** The line above it, which must describe it. */
  comment: string | null;
}

function readExample(file: string): Entry[] {
  const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const entries: Entry[] = [];
  lines.forEach((line, index) => {
    const match = /^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) return;
    const above = lines[index - 1] ?? "";
    const isProse = above.startsWith("#") && !/^#\s?[A-Z][A-Z0-9_]*=/.test(above);
    entries.push({
      key: match[2] ?? "",
      value: match[3] ?? "",
      commented: Boolean(match[1]),
      comment: isProse ? above : null,
    });
  });
  return entries;
}

const SECRET_KEY = /SECRET|PASSWORD|API_KEY|ACCESS_KEY|TOKEN/;
/** Stands in for whatever the operator fills in: long enough for every 16-character minimum. */
const FILLED = "filled-in-0123456789abcdef";

function problems(parse: () => unknown): string[] {
  try {
    parse();
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
}

const examples: {
  file: string;
  schema: z.ZodObject;
  parse: (source: Record<string, string>) => unknown;
}[] = [
  { file: "env.worker.example", schema: workerEnvSchema, parse: (source) => workerEnv(source) },
  { file: "env.app.example", schema: appEnvSchema, parse: (source) => appEnv(source) },
  { file: "env.dashboard.example", schema: dashboardEnvSchema, parse: (source) => dashboardEnv(source) },
];

describe.each(examples)("$file", ({ file, schema, parse }) => {
  const entries = readExample(file);

  it("lists exactly the variables of the process's env schema, each once", () => {
    const keys = entries.map((entry) => entry.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(Object.keys(schema.shape).sort());
  });

  it("describes every variable on the line above it", () => {
    const undocumented = entries.filter((entry) => !entry.comment || entry.comment.length < 10).map((e) => e.key);
    expect(undocumented).toEqual([]);
  });

  it("ships no secret: every secret is left empty", () => {
    const filledSecrets = entries.filter((entry) => SECRET_KEY.test(entry.key) && entry.value !== "");
    expect(filledSecrets.map((entry) => entry.key)).toEqual([]);
  });

  it("starts the process once the empty values are filled in, and names exactly those when they are not", () => {
    const active = entries.filter((entry) => !entry.commented);
    const asCopied = Object.fromEntries(active.map((entry) => [entry.key, entry.value]));
    const toFill = active.filter((entry) => entry.value === "").map((entry) => entry.key);
    const filled = { ...asCopied, ...Object.fromEntries(toFill.map((key) => [key, FILLED])) };

    // Dashboard: its shared keys are commented (compose sets them), so it starts from the app's values.
    const shared = file === "env.dashboard.example" ? sharedFromApp() : {};
    expect(problems(() => parse({ ...shared, ...filled }))).toEqual([]);

    const missing = problems(() => parse({ ...shared, ...asCopied }));
    for (const problem of missing) {
      expect(toFill.some((key) => problem.startsWith(`${key} `))).toBe(true);
    }
  });

  it("accepts every optional value it shows (the commented lines uncommented)", () => {
    const all = Object.fromEntries(entries.map((entry) => [entry.key, entry.value === "" ? FILLED : entry.value]));
    expect(problems(() => parse(all))).toEqual([]);
  });
});

/** The values the dashboard takes from .env.app in docker-compose.yml. */
function sharedFromApp(): Record<string, string> {
  const app = readExample("env.app.example").filter((entry) => !entry.commented);
  return Object.fromEntries(app.map((entry) => [entry.key, entry.value === "" ? FILLED : entry.value]));
}
