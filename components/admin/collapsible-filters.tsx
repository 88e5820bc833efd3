"use client";

import { type ReactNode, useEffect, useRef } from "react";

/** Matches the console's phone layout (admin.css). */
const PHONE = "(max-width: 40rem)";

/**
 * Filters that fold away on a phone, so the list itself is on the first screen. Open on wider screens (the
 * toggle is hidden there by CSS), open when a filter is active, and open without JavaScript.
 */
export function CollapsibleFilters({ active, children }: { active: number; children: ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (ref.current && active === 0 && window.matchMedia(PHONE).matches) ref.current.open = false;
  }, [active]);
  return (
    <details ref={ref} className="adm-collapsible" open>
      <summary>Filters{active > 0 ? ` (${active} active)` : ""}</summary>
      {children}
    </details>
  );
}
