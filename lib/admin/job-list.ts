import { ERROR_DETAIL_READERS, roleAllows, type StaffRole } from "../auth/roles";
import type { PrismaClient } from "../db";
import { Prisma } from "../generated/prisma/client";
import type { JobStatus } from "../generated/prisma/enums";
import type { JobFilter, JobSort } from "./job-filters";
import type { SubmitterColumns } from "./submitter";

export interface JobListRow extends SubmitterColumns {
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
  /** The frame the worker captured at render (lib/admin/job-thumbnail.ts serves it); null without one. */
  thumbnailKey: string | null;
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
 * The SQL conditions of a filter, for a viewer with `role`. Raw SQL rather than Prisma's query builder
 * because the search also looks inside `errorDetail` (JSON: stderr tails, backend errors) as text, which
 * Prisma cannot express. Only for roles that may read it: a match on text a role cannot see would still
 * tell them the text is there (ops could probe stderr tails and server paths letter by letter).
 */
function filterConditions(filter: JobFilter, role: StaffRole): Prisma.Sql[] {
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
    const detail = roleAllows(ERROR_DETAIL_READERS, role)
      ? Prisma.sql` OR "errorDetail"::text ILIKE ${like}`
      : Prisma.empty;
    conditions.push(Prisma.sql`("id" ILIKE ${like} OR "originalFilename" ILIKE ${like}
      OR "errorMessage" ILIKE ${like} OR "errorCode" ILIKE ${like}${detail})`);
  }
  if (filter.submitter) {
    const who = filter.submitter;
    if (who.startsWith("key_")) conditions.push(Prisma.sql`"apiKeyId" = ${who}`);
    else if (who.startsWith("ip_")) conditions.push(Prisma.sql`"submitterIpHash" = ${who}`);
    else conditions.push(Prisma.sql`"submittedByUserId" = ${who}`);
  }
  return conditions;
}

function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}` : Prisma.empty;
}

/**
 * One page of jobs matching the filter as `role` may search it, sorted as asked (missing values last),
 * newest first by default.
 */
export async function listJobs(db: PrismaClient, filter: JobFilter, role: StaffRole): Promise<JobListPage> {
  const where = whereClause(filterConditions(filter, role));
  const [{ total }] = await db.$queryRaw<[{ total: number }]>`SELECT count(*)::int AS total FROM "Job" ${where}`;
  const pageCount = Math.max(1, Math.ceil(total / filter.size));
  const page = Math.min(filter.page, pageCount);
  const direction = Prisma.raw(filter.dir === "asc" ? "ASC" : "DESC");
  const rows = await db.$queryRaw<JobListRow[]>`
    SELECT "id", "status", "phase", "progress", "originalFilename", "errorCode", "attempts", "processingMs",
           "durationSec", "inputSize"::float8 AS "inputSize", "thumbnailKey", "createdAt", "updatedAt", "finishedAt",
           "apiKeyId", "submittedByUserId", "submitterIpHash",
           (SELECT k."name" FROM "ApiKey" k WHERE k."id" = "Job"."apiKeyId") AS "apiKeyName",
           (SELECT u."email" FROM "User" u WHERE u."id" = "Job"."submittedByUserId") AS "submitterEmail"
    FROM "Job" ${where}
    ORDER BY ${SORT_COLUMNS[filter.sort]} ${direction} NULLS LAST, "id" ${direction}
    LIMIT ${filter.size} OFFSET ${(page - 1) * filter.size}`;
  return { rows, total, page, pageCount };
}

/** Ids of the failed jobs matching the filter as `role` searches it, oldest first, at most `limit` (bulk retry). */
export async function failedJobIds(
  db: PrismaClient,
  filter: JobFilter,
  limit: number,
  role: StaffRole,
): Promise<{ ids: string[]; matched: number }> {
  // A status filter other than `failed` matches no failed job: nothing to retry.
  if (filter.status && filter.status !== "failed") return { ids: [], matched: 0 };
  const condition = whereClause(filterConditions({ ...filter, status: "failed" }, role));
  const [{ matched }] = await db.$queryRaw<[{ matched: number }]>`
    SELECT count(*)::int AS matched FROM "Job" ${condition}`;
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Job" ${condition} ORDER BY "createdAt" ASC, "id" ASC LIMIT ${limit}`;
  return { ids: rows.map((r) => r.id), matched };
}
