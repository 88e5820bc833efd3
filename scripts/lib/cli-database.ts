import { postgresAnswers } from "./services";

/**
 * The database a command-line tool works on: DATABASE_URL, else the local database `npm start` picks when
 * nothing is configured (if it answers). Null when none answers.
 */
export async function cliDatabaseUrl(): Promise<string | null> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const candidates = [
    `postgresql://${process.env.USER || "postgres"}@127.0.0.1:5432/captioner`,
    "postgresql://postgres@127.0.0.1:5432/captioner",
    // npm start's embedded Postgres, while it runs
    "postgresql://captioner:captioner@127.0.0.1:5433/captioner",
  ];
  for (const url of candidates) if (await postgresAnswers(url)) return url;
  return null;
}
