import { z } from "zod";

/** Raised when the environment does not satisfy a process's schema; its message is one line per variable. */
export class EnvError extends Error {
  constructor(
    readonly processName: string,
    readonly problems: string[],
  ) {
    super(`Invalid environment for the ${processName}: ${problems.join("; ")}`);
    this.name = "EnvError";
  }
}

/**
 * Parses `source` with `schema`; every problem names the variable, and never echoes its value
 * (a malformed secret must not end up in a log).
 */
export function parseEnv<S extends z.ZodType>(
  processName: string,
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings count as unset: `FOO=` in an env file should fall back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const missing = issue.code === "invalid_type" && cleaned[String(issue.path[0])] === undefined;
    if (missing) return `${name} is missing`;
    // Our own refinements are phrased to follow the name ("R2_ENDPOINT is missing (…)").
    return issue.code === "custom" ? `${name} ${issue.message}` : `${name}: ${issue.message}`;
  });
  throw new EnvError(processName, problems);
}

/**
 * `when` option for the schemas' cross-field rules: run them even when a field already failed, so one start
 * reports every problem (zod skips refinements after a failed field by default). The rules only test
 * presence and equality, which a partly invalid object answers correctly.
 */
export const alwaysCheck = () => true;

/** Prints the env problem as one clear line and exits: used at process start. */
export function exitOnEnvError(error: unknown): never {
  if (error instanceof EnvError) {
    console.error(`captioner: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

// zod's own messages for a coerced number ("expected number, received NaN") mean little to whoever edits an
// env file; one plain sentence per rule does.
function wholeNumber(min: number, max: number, message: string) {
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
}

// Reusable field shapes, so the three processes spell each variable the same way.
export const fields = {
  postgresUrl: z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgresql:// URL"),
  redisUrl: z.string().refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// or rediss:// URL"),
  httpUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  positiveInt: wholeNumber(1, Number.MAX_SAFE_INTEGER, "must be a positive whole number"),
  /** A whole number within [min, max], e.g. a port or a CRF. */
  intBetween: (min: number, max: number) => wholeNumber(min, max, `must be a whole number from ${min} to ${max}`),
  bool: z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes"),
};
