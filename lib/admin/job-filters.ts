import { z } from "zod";
import { JobStatus } from "../generated/prisma/enums";

// The job list's filters live in the URL query (?status=failed&code=TOO_LONG&q=…&sort=created&dir=desc&page=2),
// so a refresh, a bookmark or a link to a colleague shows the same list, and plain GET forms work without JS.
// Bulk retry reads the same parameters, so it acts on exactly the jobs the list shows.

export const JOB_SORTS = {
  created: "Created",
  updated: "Updated",
  finished: "Finished",
  duration: "Processing time",
  attempts: "Attempts",
} as const;
export type JobSort = keyof typeof JOB_SORTS;

export const PAGE_SIZES = [25, 50, 100] as const;

export interface JobFilter {
  status?: JobStatus;
  /** An error code such as TOO_LONG. */
  code?: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  from?: string;
  /** YYYY-MM-DD (UTC), inclusive. */
  to?: string;
  /**
   * Matches the job id, the filename, the error code or message, and the error detail for roles that
   * may read it (case-insensitive).
   */
  q?: string;
  /** Who submitted: an API key id (`key_…`), an anonymous IP hash (`ip_…`) or a console user's id. */
  submitter?: string;
  sort: JobSort;
  dir: "asc" | "desc";
  page: number;
  size: (typeof PAGE_SIZES)[number];
}

export const DEFAULT_FILTER: JobFilter = { sort: "created", dir: "desc", page: 1, size: 25 };

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)));

const fieldSchemas = {
  status: z.enum(Object.values(JobStatus) as [JobStatus, ...JobStatus[]]),
  code: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z_]{1,40}$/),
  from: day,
  to: day,
  q: z.string().trim().min(1).max(200),
  submitter: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/),
  sort: z.enum(Object.keys(JOB_SORTS) as [JobSort, ...JobSort[]]),
  dir: z.enum(["asc", "desc"]),
  page: z.coerce.number().int().min(1).max(100_000),
  size: z.coerce
    .number()
    .int()
    .refine((v) => (PAGE_SIZES as readonly number[]).includes(v)),
};

type Query = URLSearchParams | Record<string, string | string[] | undefined>;

/**
 * Reads the filter from a URL query. A value that does not parse is dropped (the list falls back to its
 * default) rather than answered with an error: these URLs are typed and edited by people.
 */
export function parseJobFilter(query: Query): JobFilter {
  const read = (name: string): string | undefined => {
    const value = query instanceof URLSearchParams ? query.get(name) : query[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === null || first === undefined || first === "" ? undefined : first;
  };
  const filter: JobFilter = { ...DEFAULT_FILTER };
  for (const [name, schema] of Object.entries(fieldSchemas)) {
    const raw = read(name);
    if (raw === undefined) continue;
    const parsed = schema.safeParse(raw);
    if (parsed.success) Object.assign(filter, { [name]: parsed.data });
  }
  return filter;
}

/** The query string for `filter` (defaults left out), e.g. for pagination links and the bulk-retry call. */
export function jobFilterQuery(filter: JobFilter, overrides: Partial<JobFilter> = {}): string {
  const merged: JobFilter = { ...filter, ...overrides };
  const params = new URLSearchParams();
  for (const name of ["status", "code", "from", "to", "q", "submitter"] as const) {
    const value = merged[name];
    if (value) params.set(name, value);
  }
  if (merged.sort !== DEFAULT_FILTER.sort) params.set("sort", merged.sort);
  if (merged.dir !== DEFAULT_FILTER.dir) params.set("dir", merged.dir);
  if (merged.size !== DEFAULT_FILTER.size) params.set("size", String(merged.size));
  if (merged.page !== 1) params.set("page", String(merged.page));
  return params.toString();
}

/** true when any filter narrows the list (sorting and paging do not). */
export function isFiltered(filter: JobFilter): boolean {
  return Boolean(filter.status || filter.code || filter.from || filter.to || filter.q || filter.submitter);
}
