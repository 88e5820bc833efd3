"use client";

import { useState } from "react";
import styles from "./job.module.css";

/** Copies `text`; says so in a live region. Falls back to execCommand where the Clipboard API is missing (plain http). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  const copy = async () => {
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
      else copyWithSelection(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  };

  return (
    <span className={styles.copy}>
      <button type="button" className={styles.secondaryButton} onClick={copy}>
        {label}
      </button>
      <span role="status" className={styles.copyStatus}>
        {state === "copied" ? "Copied" : state === "failed" ? "Could not copy; select the id and copy it by hand." : ""}
      </span>
    </span>
  );
}

function copyWithSelection(text: string): void {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy refused");
}
