"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

interface Created {
  id: string;
  name: string;
  prefix: string;
  key: string;
}

/**
 * Creates an API key and shows it once: the server keeps only its hash, so this is the only time anyone
 * sees it. The list below refreshes with the new key's prefix.
 */
export function CreateApiKeyForm({ scopes }: { scopes: readonly string[] }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    setCreated(null);
    try {
      const response = await fetch("/api/admin/api-keys", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ name: form.get("name"), scopes: form.getAll("scopes") }),
      });
      const body = (await response.json().catch(() => null)) as (Created & { error?: { message?: string } }) | null;
      if (!response.ok || !body) setError(body?.error?.message ?? `The request failed (HTTP ${response.status}).`);
      else {
        setCreated(body);
        router.refresh();
      }
    } catch {
      setError("The server could not be reached; check your connection and try again.");
    }
    setPending(false);
  }

  return (
    <div>
      <form className="adm-filters" onSubmit={(event) => void submit(event)} aria-label="Create an API key">
        <div className="adm-field adm-field-wide">
          <label htmlFor="k-name">Name</label>
          <input id="k-name" name="name" required maxLength={100} placeholder="e.g. marketing site" />
        </div>
        <fieldset className="adm-field">
          <legend>Scopes</legend>
          {scopes.map((scope) => (
            <label key={scope}>
              <input type="checkbox" name="scopes" value={scope} defaultChecked /> {scope}
            </label>
          ))}
        </fieldset>
        <div className="adm-buttons">
          <button type="submit" className="adm-button" disabled={pending} aria-busy={pending}>
            {pending ? "Creating…" : "Create key"}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error && (
          <p className="adm-alert" role="alert">
            {error}
          </p>
        )}
        {created && (
          <div className="adm-status" role="status">
            <p>Key “{created.name}” created. Copy it now: it is shown only this once and cannot be recovered.</p>
            <p>
              <code className="adm-mono" data-testid="new-api-key">
                {created.key}
              </code>
            </p>
          </div>
        )}
      </div>
    </div>
  );
}
