"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

type LimitField = "requestsPerMinute" | "maxConcurrentJobs" | "mediaMinutesPerDay";

const FIELDS: { name: LimitField; label: string }[] = [
  { name: "requestsPerMinute", label: "Requests per minute" },
  { name: "maxConcurrentJobs", label: "Unfinished jobs at once" },
  { name: "mediaMinutesPerDay", label: "Media minutes per day" },
];

interface Props {
  keyId: string;
  values: Record<LimitField, number | null>;
  defaults: Record<LimitField, number>;
}

/** One key's own limits: blank = the server default (shown as the placeholder), 0 = unlimited. */
export function ApiKeyLimitsForm({ keyId, values, defaults }: Props) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = Object.fromEntries(
      FIELDS.map(({ name }) => {
        const raw = String(form.get(name) ?? "").trim();
        return [name, raw === "" ? null : Number(raw)];
      }),
    );
    setPending(true);
    setMessage(null);
    try {
      const response = await fetch(`/api/admin/api-keys/${encodeURIComponent(keyId)}/limits`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
      const answer = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      if (response.ok) {
        setMessage({ error: false, text: "Limits saved." });
        router.refresh();
      } else
        setMessage({ error: true, text: answer?.error?.message ?? `The request failed (HTTP ${response.status}).` });
    } catch {
      setMessage({ error: true, text: "The server could not be reached; check your connection and try again." });
    }
    setPending(false);
  }

  return (
    <form onSubmit={(event) => void submit(event)} aria-label="Limits of this key">
      {FIELDS.map(({ name, label }) => (
        <div className="adm-field" key={name}>
          <label htmlFor={`${keyId}-${name}`}>{label}</label>
          <input
            id={`${keyId}-${name}`}
            name={name}
            type="number"
            min={0}
            step={1}
            defaultValue={values[name] ?? ""}
            placeholder={`default ${defaults[name] === 0 ? "unlimited" : defaults[name]}`}
          />
        </div>
      ))}
      <button type="submit" className="adm-button" data-variant="secondary" disabled={pending} aria-busy={pending}>
        {pending ? "Saving…" : "Save limits"}
      </button>
      <div aria-live="polite">
        {message && (
          <p className={message.error ? "adm-alert" : "adm-status"} role={message.error ? "alert" : "status"}>
            {message.text}
          </p>
        )}
      </div>
    </form>
  );
}
