"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";

/**
 * Re-renders the page's server components every `seconds` while the tab is visible, keeping scroll
 * position and the URL (filters). Can be switched off, e.g. while reading a long stderr tail.
 */
export function AutoRefresh({ seconds, label = "Update automatically" }: { seconds: number; label?: string }) {
  const router = useRouter();
  const id = useId();
  const [on, setOn] = useState(true);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, seconds * 1000);
    return () => clearInterval(timer);
  }, [on, seconds, router]);
  return (
    <span className="adm-muted">
      <input id={id} type="checkbox" checked={on} onChange={(event) => setOn(event.target.checked)} />{" "}
      <label htmlFor={id}>
        {label} (every {seconds} s)
      </label>
    </span>
  );
}
