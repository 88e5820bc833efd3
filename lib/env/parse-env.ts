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

/** Prints the env problem as one clear line and exits: used at process start. */
export function exitOnEnvError(error: unknown): never {
  if (error instanceof EnvError) {
    console.error(`captioner: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

// Reusable field shapes, so the three processes spell each variable the same way.
export const fields = {
  postgresUrl: z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgresql:// URL"),
  redisUrl: z.string().refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// or rediss:// URL"),
  httpUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  positiveInt: z.coerce.number().int().positive(),
  bool: z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes"),
};
