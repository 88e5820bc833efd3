import type { PrismaClient } from "../db";

export interface AuditEntry {
  id: string;
  at: Date;
  userEmail: string;
  action: string;
  jobId: string | null;
  data: unknown;
}

const PAGE_SIZE = 50;

/** The console's audit log, newest first, 50 a page. */
export async function listAuditLog(
  db: PrismaClient,
  page: number,
): Promise<{ entries: AuditEntry[]; page: number; pageCount: number }> {
  const total = await db.auditLog.count();
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pageCount);
  const rows = await db.auditLog.findMany({
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
  };
}
