import { z } from "zod";
import { commonEnvShape } from "./common-env";
import { fields, parseEnv } from "./parse-env";

// The queue dashboard (dashboard/index.ts): Bull Board behind the console's next-auth session, plus
// Prometheus metrics for ops.
export const dashboardEnvSchema = z.object({
  ...commonEnvShape,
  /** Decrypts the console's next-auth session cookie; the same value the app uses. */
  NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters"),
  DASHBOARD_PORT: fields.intBetween(1, 65535).default(3001),
  /**
   * The dashboard is reached through the app's proxy (/admin/queues/board) and by the metrics scraper,
   * both usually on the same host: listen on loopback unless told otherwise (0.0.0.0 in a container).
   */
  DASHBOARD_HOST: z.string().min(1).default("127.0.0.1"),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`; when unset /metrics is open. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
});

export type DashboardEnv = z.infer<typeof dashboardEnvSchema>;

/** The dashboard's validated environment (throws EnvError naming the bad variable). */
export function dashboardEnv(source: Record<string, string | undefined> = process.env): DashboardEnv {
  return parseEnv("dashboard", dashboardEnvSchema, source);
}
