import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { dashboardEnv, dashboardEnvSchema } from "./dashboard-env";
import { EnvError } from "./parse-env";

// The queue dashboard's environment: what ops sees when a variable is missing or wrong, and its defaults.

const base = {
  DATABASE_URL: "postgresql://captioner:db-pass-7a41@127.0.0.1:5432/captioner",
  REDIS_URL: "redis://127.0.0.1:6379",
  NEXTAUTH_SECRET: "nextauth-secret-3c9e-long-enough",
};

function envError(source: Record<string, string | undefined>): EnvError {
  try {
    dashboardEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error("expected dashboardEnv to throw an EnvError");
}

describe("dashboardEnv: invalid environments", () => {
  // [case, overrides of the base env, what the message must say, a secret the message must not contain]
  const cases: [string, Record<string, string | undefined>, string[], string?][] = [
    ["NEXTAUTH_SECRET unset", { NEXTAUTH_SECRET: undefined }, ["NEXTAUTH_SECRET is missing"]],
    [
      "NEXTAUTH_SECRET too short",
      { NEXTAUTH_SECRET: "short-7f2e" },
      ["NEXTAUTH_SECRET: must be at least 16 characters"],
      "short-7f2e",
    ],
    ["DATABASE_URL unset", { DATABASE_URL: undefined }, ["DATABASE_URL is missing"]],
    ["REDIS_URL unset", { REDIS_URL: undefined }, ["REDIS_URL is missing"]],
    [
      "DASHBOARD_PORT out of range",
      { DASHBOARD_PORT: "70000" },
      ["DASHBOARD_PORT: must be a whole number from 1 to 65535"],
    ],
    [
      "DASHBOARD_PORT not numeric",
      { DASHBOARD_PORT: "board" },
      ["DASHBOARD_PORT: must be a whole number from 1 to 65535"],
    ],
    [
      "METRICS_TOKEN too short",
      { METRICS_TOKEN: "tok-1e5a" },
      ["METRICS_TOKEN: must be at least 16 characters"],
      "tok-1e5a",
    ],
    ["QUEUE_PREFIX with a colon", { QUEUE_PREFIX: "bull:x" }, ["QUEUE_PREFIX: letters, digits, _ and - only"]],
  ];

  test.each(cases)("%s", (_name, overrides, expected, secret) => {
    const error = envError({ ...base, ...overrides });
    expect(error.processName).toBe("dashboard");
    expect(error.message).not.toContain("\n");
    for (const part of expected) expect(error.message).toContain(part);
    if (secret) expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain("db-pass-7a41");
    expect(error.message).not.toContain(base.NEXTAUTH_SECRET);
  });
});

test("a minimal environment gets the documented defaults: loopback, port 3001, /metrics open", () => {
  const env = dashboardEnv(base);
  expect(env).toMatchObject({
    DASHBOARD_PORT: 3001,
    DASHBOARD_HOST: "127.0.0.1",
    QUEUE_PREFIX: "captioner",
    LOG_LEVEL: "info",
  });
  expect(env.METRICS_TOKEN).toBeUndefined();
  // An empty METRICS_TOKEN= line in an env file leaves /metrics open rather than failing the start.
  expect(dashboardEnv({ ...base, METRICS_TOKEN: "" }).METRICS_TOKEN).toBeUndefined();
});

test("env.dashboard.example lists exactly the dashboard's variables", () => {
  const example = readFileSync(path.resolve(import.meta.dirname, "../../env.dashboard.example"), "utf8");
  const listed = [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
  expect(listed.sort()).toEqual(Object.keys(dashboardEnvSchema.shape).sort());
});
