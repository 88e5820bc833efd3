"use client";

import { useEffect, useState } from "react";

/**
 * "4 min ago" (worded on the server), with the exact time on hover: UTC as everywhere in the console, plus
 * the reader's own clock once the browser knows its timezone (set after hydration, so markup agrees).
 */
export function RelativeTime({ iso, relative, utc }: { iso: string; relative: string; utc: string }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    setLocal(new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" }));
  }, [iso]);
  return (
    <time dateTime={iso} title={local ? `${local} (your time) · ${utc}` : utc}>
      {relative}
    </time>
  );
}
