import type { PrismaClient } from "../db";
import { Prisma } from "../generated/prisma/client";
import type { JobStatus } from "../generated/prisma/enums";
import type { JobFilter, JobSort } from "./job-filters";

export interface JobListRow {
  id: string;
  status: JobStatus;
  phase: string | null;
  progress: number;
  originalFilename: string | null;
  errorCode: string | null;
  attempts: number;
  processingMs: number | null;
  /** Media duration (probed) and upload size: what a row needs to tell a 10 s clip from a 2 h lecture. */
  durationSec: number | null;
  inputSize: number | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface JobListPage {
  rows: JobListRow[];
  total: number;
  page: number;
  pageCount: number;
}

// Whitelisted: the sort key from the URL never reaches SQL as text.
const SORT_COLUMNS: Record<JobSort, Prisma.Sql> = {
  created: Prisma.raw(`"createdAt"`),
  updated: Prisma.raw(`"updatedAt"`),
  finished: Prisma.raw(`"finishedAt"`),
  duration: Prisma.raw(`"processingMs"`),
  attempts: Prisma.raw(`"attempts"`),
};

/** `%`, `_` and `\` in a search are literal characters, not LIKE wildcards. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The SQL conditions of a filter. Raw SQL rather than Prisma's query builder because the search also
 * looks inside `errorDetail` (JSON: stderr tails, backend errors) as text, which Prisma cannot express.
 */
function filterConditions(filter: JobFilter): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filter.status) conditions.push(Prisma.sql`"status" = ${filter.status}::"JobStatus"`);
  if (filter.code) conditions.push(Prisma.sql`"errorCode" = ${filter.code}`);
  if (filter.from) conditions.push(Prisma.sql`"createdAt" >= ${new Date(`${filter.from}T00:00:00Z`)}`);
  if (filter.to) {
    const end = new Date(`${filter.to}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    conditions.push(Prisma.sql`"createdAt" < ${end}`);
  }
  if (filter.q) {
    const like = likePattern(filter.q);
    conditions.push(Prisma.sql`("id" ILIKE ${like} OR "originalFilename" ILIKE ${like}
      OR "errorMessage" ILIKE ${like} OR "errorCode" ILIKE ${like} OR "errorDetail"::text ILIKE ${like})`);
  }
  return conditions;
}

function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
}

/** One page of jobs matching the filter, sorted as asked (missing values last), newest first by default. */
export async function listJobs(db: PrismaClient, filter: JobFilter): Promise<JobListPage> {
  const where = whereClause(filterConditions(filter));
  const [{ total }] = await db.$queryRaw<[{ total: number }]>`SELECT count(*)::int AS total FROM "Job" ${where}`;
  const pageCount = Math.max(1, Math.ceil(total / filter.size));
  const page = Math.min(filter.page, pageCount);
  const direction = Prisma.raw(filter.dir === "asc" ? "ASC" : "DESC");
  const rows = await db.$queryRaw<JobListRow[]>`
    SELECT "id", "status", "phase", "progress", "originalFilename", "errorCode", "attempts", "processingMs",
           "durationSec", "inputSize"::float8 AS "inputSize", "createdAt", "updatedAt", "finishedAt"
    FROM "Job" ${where}
    ORDER BY ${SORT_COLUMNS[filter.sort]} ${direction} NULLS LAST, "id" ${direction}
    LIMIT ${filter.size} OFFSET ${(page - 1) * filter.size}`;
  return { rows, total, page, pageCount };
}

/** Ids of the failed jobs matching the filter, oldest first, at most `limit` (bulk retry). */
export async function failedJobIds(
  db: PrismaClient,
  filter: JobFilter,
  limit: number,
): Promise<{ ids: string[]; matched: number }> {
  // A status filter other than `failed` matches no failed job: nothing to retry.
  if (filter.status && filter.status !== "failed") return { ids: [], matched: 0 };
  const condition = whereClause(filterConditions({ ...filter, status: "failed" }));
  const [{ matched }] = await db.$queryRaw<[{ matched: number }]>`
    SELECT count(*)::int AS matched FROM "Job" ${condition}`;
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Job" ${condition} ORDER BY "createdAt" ASC, "id" ASC LIMIT ${limit}`;
  return { ids: rows.map((r) => r.id), matched };
}
