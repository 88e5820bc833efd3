import type { PrismaClient } from "../db";
import type { Prisma } from "../generated/prisma/client";

export interface AuditEntry {
  id: string;
  at: Date;
  userEmail: string;
  action: string;
  jobId: string | null;
  data: unknown;
}

/** What the audit log page filters by, read from its URL. */
export interface AuditFilter {
  page: number;
  /** Exact action, e.g. `job.cancel`. */
  action: string | null;
  /** Part of the acting user's email. */
  user: string | null;
  /** Part of a job id. */
  job: string | null;
}

const PAGE_SIZE = 50;
const MAX_TEXT = 200;

function one(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim().slice(0, MAX_TEXT);
  return trimmed ? trimmed : null;
}

export function parseAuditFilter(query: Record<string, string | string[] | undefined>): AuditFilter {
  return {
    page: Math.max(1, Math.floor(Number(one(query.page) ?? 1)) || 1),
    action: one(query.action),
    user: one(query.user),
    job: one(query.job),
  };
}

/** The filter as a query string (without empty fields), for links that keep it. */
export function auditFilterQuery(filter: AuditFilter, overrides: Partial<AuditFilter> = {}): string {
  const merged = { ...filter, ...overrides };
  const params = new URLSearchParams();
  if (merged.action) params.set("action", merged.action);
  if (merged.user) params.set("user", merged.user);
  if (merged.job) params.set("job", merged.job);
  if (merged.page > 1) params.set("page", String(merged.page));
  return params.toString();
}

/** The console's audit log, newest first, 50 a page, filtered by action, user and job. */
export async function listAuditLog(
  db: PrismaClient,
  filter: AuditFilter,
): Promise<{ entries: AuditEntry[]; page: number; pageCount: number; total: number; actions: string[] }> {
  const where: Prisma.AuditLogWhereInput = {
    ...(filter.action ? { action: filter.action } : {}),
    ...(filter.user ? { userEmail: { contains: filter.user, mode: "insensitive" } } : {}),
    ...(filter.job ? { jobId: { contains: filter.job } } : {}),
  };
  const [total, actions] = await Promise.all([
    db.auditLog.count({ where }),
    db.auditLog.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
  ]);
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const current = Math.min(filter.page, pageCount);
  const rows = await db.auditLog.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: (current - 1) * PAGE_SIZE,
    take: PAGE_SIZE,
  });
  return {
    entries: rows.map((row) => ({
      id: String(row.id),
      at: row.createdAt,
      userEmail: row.userEmail,
      action: row.action,
      jobId: row.jobId,
      data: row.data,
    })),
    page: current,
    pageCount,
    total,
    actions: actions.map((row) => row.action),
  };
}
