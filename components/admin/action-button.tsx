"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

interface Props {
  /** The admin API route to POST to (same origin: the browser adds Origin/Sec-Fetch-Site). */
  endpoint: string;
  label: string;
  /** Asked before anything is sent, e.g. "Retry this job from the start?" */
  question: string;
  confirmLabel: string;
  pendingLabel: string;
  variant?: "primary" | "danger";
  /** For bulk retry: report how many jobs the server retried. */
  reportsCount?: boolean;
}

interface BulkAnswer {
  matched: number;
  retried: number;
  skipped: number;
  capped: boolean;
  limit: number;
  stoppedEarly: boolean;
}

/**
 * A console action (retry, cancel, bulk retry): asks for confirmation inline, shows a pending state,
 * then either refreshes the page's data or says what went wrong, in words from the server.
 */
export function ActionButton({ endpoint, label, question, confirmLabel, pendingLabel, variant, reportsCount }: Props) {
  const router = useRouter();
  const [stage, setStage] = useState<"idle" | "confirming" | "pending">("idle");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (stage === "confirming") confirmRef.current?.focus();
  }, [stage]);

  async function run() {
    setStage("pending");
    setError(null);
    setDone(null);
    try {
      const response = await fetch(endpoint, { method: "POST", headers: { accept: "application/json" } });
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      if (!response.ok) {
        setError(body?.error?.message ?? `The request failed (HTTP ${response.status}).`);
      } else {
        if (reportsCount) setDone(describeBulk(body as unknown as BulkAnswer));
        router.refresh();
      }
    } catch {
      setError("The server could not be reached; check your connection and try again.");
    }
    setStage("idle");
    startRef.current?.focus();
  }

  return (
    <div>
      {stage === "confirming" ? (
        <fieldset className="adm-confirm">
          <legend className="adm-confirm-question">{question}</legend>
          <button
            ref={confirmRef}
            type="button"
            className="adm-button"
            data-variant={variant}
            onClick={() => void run()}
          >
            {confirmLabel}
          </button>
          <button type="button" className="adm-button" data-variant="secondary" onClick={() => setStage("idle")}>
            Keep as is
          </button>
        </fieldset>
      ) : (
        <button
          ref={startRef}
          type="button"
          className="adm-button"
          data-variant={variant}
          disabled={stage === "pending"}
          aria-busy={stage === "pending"}
          onClick={() => setStage("confirming")}
        >
          {stage === "pending" ? pendingLabel : label}
        </button>
      )}
      <div aria-live="polite">
        {error && (
          <p className="adm-alert" role="alert">
            {error}
          </p>
        )}
        {done && <p className="adm-status">{done}</p>}
      </div>
    </div>
  );
}

function describeBulk(answer: BulkAnswer): string {
  if (answer.matched === 0) return "No failed jobs match this filter.";
  const parts = [`Retried ${answer.retried} of ${answer.matched} failed job${answer.matched === 1 ? "" : "s"}.`];
  if (answer.skipped > 0) parts.push(`${answer.skipped} had changed meanwhile and were left alone.`);
  if (answer.capped) parts.push(`At most ${answer.limit} are retried at once: run it again for the rest.`);
  if (answer.stoppedEarly) parts.push("The queue became unavailable part-way; the rest are still failed.");
  return parts.join(" ");
}
