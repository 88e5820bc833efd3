import { humanize } from "@/lib/admin/formatting";

/** A job's status as a coloured pill; the word itself carries the meaning, colour only repeats it. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className="adm-badge" data-status={status}>
      {humanize(status)}
    </span>
  );
}
