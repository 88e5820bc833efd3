import { postgresAnswers, redisAnswers } from "./services";

// Where the admin CLIs (user:create, user:unlock) find the stack: the configured URLs, else the local
// services `npm start` uses when nothing is configured (if they answer).

/** DATABASE_URL, or the local database `npm start` picks. */
export async function cliDatabaseUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const candidates = [
    `postgresql://${process.env.USER || "postgres"}@127.0.0.1:5432/captioner`,
    "postgresql://postgres@127.0.0.1:5432/captioner",
    // npm start's embedded Postgres, while it runs
    "postgresql://captioner:captioner@127.0.0.1:5433/captioner",
  ];
  for (const url of candidates) if (await postgresAnswers(url)) return url;
  throw new Error("no database found: set DATABASE_URL, or run it while `npm start` is running.");
}

/** REDIS_URL, or the Redis `npm start` uses (127.0.0.1:6379, else its own on 6380). */
export async function cliRedisUrl(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  for (const url of ["redis://127.0.0.1:6379", "redis://127.0.0.1:6380"]) if (await redisAnswers(url)) return url;
  throw new Error("no Redis found: set REDIS_URL, or run it while `npm start` is running.");
}
