import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/admin/action-button";
import { ApiKeyLimitsForm } from "@/components/admin/api-key-limits-form";
import { CreateApiKeyForm } from "@/components/admin/create-api-key-form";
import { formatDateTime } from "@/lib/admin/formatting";
import { API_KEY_SCOPES, listApiKeys } from "@/lib/api-keys/api-keys";
import { appServices } from "@/lib/app-services";
import { API_KEY_ADMINS } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "API keys" };
export const dynamic = "force-dynamic";

/** Create, list and revoke API keys. Admins only (checked here, and again by every admin API route). */
export default async function ApiKeysPage() {
  await requireRole(API_KEY_ADMINS, "/admin/api-keys");
  const { db, env } = appServices();
  const keys = await listApiKeys(db);
  const defaults = {
    requestsPerMinute: env.RATE_LIMIT_KEY_REQUESTS_PER_MIN,
    maxConcurrentJobs: env.RATE_LIMIT_KEY_CONCURRENT_JOBS,
    mediaMinutesPerDay: env.RATE_LIMIT_KEY_MEDIA_MINUTES_PER_DAY,
  };
  return (
    <>
      <h1>API keys</h1>
      <p className="adm-muted">
        Callers send a key as <code>Authorization: Bearer &lt;key&gt;</code>. Only a hash of each key is stored.
      </p>
      <CreateApiKeyForm scopes={API_KEY_SCOPES} />
      {keys.length === 0 ? (
        <p className="adm-muted">No API key has been created yet.</p>
      ) : (
        <div className="adm-table-wrap">
          <table className="adm-table">
            <caption>API keys, active first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col" className="adm-num">
                  Jobs
                </th>
                <th scope="col">Limits</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td className="adm-mono">{key.prefix}…</td>
                  <td>{key.scopes.join(", ")}</td>
                  <td className="adm-nowrap">
                    {formatDateTime(key.createdAt)}
                    {key.createdByEmail && <div className="adm-muted">by {key.createdByEmail}</div>}
                  </td>
                  <td className="adm-nowrap">{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : "Never"}</td>
                  <td className="adm-num">
                    <Link href={`/admin/jobs?submitter=${encodeURIComponent(key.id)}`}>{key.jobCount}</Link>
                  </td>
                  <td>
                    <details>
                      <summary>
                        {[key.requestsPerMinute, key.maxConcurrentJobs, key.mediaMinutesPerDay].every((v) => v === null)
                          ? "Defaults"
                          : "Own limits"}
                      </summary>
                      <ApiKeyLimitsForm
                        keyId={key.id}
                        defaults={defaults}
                        values={{
                          requestsPerMinute: key.requestsPerMinute,
                          maxConcurrentJobs: key.maxConcurrentJobs,
                          mediaMinutesPerDay: key.mediaMinutesPerDay,
                        }}
                      />
                    </details>
                  </td>
                  <td>
                    {key.revokedAt ? (
                      `Revoked ${formatDateTime(key.revokedAt)}`
                    ) : (
                      <ActionButton
                        endpoint={`/api/admin/api-keys/${encodeURIComponent(key.id)}/revoke`}
                        label="Revoke"
                        question={`Revoke “${key.name}”? Calls with it fail at once.`}
                        confirmLabel="Yes, revoke"
                        pendingLabel="Revoking…"
                        variant="danger"
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
