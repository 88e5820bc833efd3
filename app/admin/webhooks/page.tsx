import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/admin/action-button";
import { formatDateTime, formatDuration } from "@/lib/admin/formatting";
import { listWebhookOverview } from "@/lib/admin/webhook-console";
import { appServices } from "@/lib/app-services";
import { API_KEY_ADMINS } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Webhooks" };
export const dynamic = "force-dynamic";

/** Webhook endpoints per API key, the latest deliveries with every attempt, and replay. Admins only. */
export default async function WebhooksPage() {
  await requireRole(API_KEY_ADMINS, "/admin/webhooks");
  const { endpoints, deliveries } = await listWebhookOverview(appServices().db);
  return (
    <>
      <h1>Webhooks</h1>
      <h2>Endpoints</h2>
      {endpoints.length === 0 ? (
        <p className="adm-muted">No API key has registered a webhook endpoint (POST /api/webhooks).</p>
      ) : (
        <div className="adm-table-wrap">
          <table className="adm-table">
            <thead>
              <tr>
                <th scope="col">API key</th>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td>
                    {endpoint.apiKey.name} <span className="adm-mono adm-muted">{endpoint.apiKey.prefix}…</span>
                  </td>
                  <td className="adm-mono">{endpoint.url}</td>
                  <td>{endpoint.events.join(", ")}</td>
                  <td className="adm-nowrap">{formatDateTime(endpoint.createdAt)}</td>
                  <td>
                    {endpoint.disabledAt
                      ? endpoint.disabledReason
                      : endpoint.failingSince
                        ? `Failing since ${formatDateTime(endpoint.failingSince)}`
                        : "Active"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Latest deliveries</h2>
      {deliveries.length === 0 ? (
        <p className="adm-muted">Nothing has been delivered yet.</p>
      ) : (
        <div className="adm-table-wrap">
          <table className="adm-table">
            <thead>
              <tr>
                <th scope="col">Delivery (webhook-id)</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts: HTTP status · latency · response</th>
                <th scope="col">Replay</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <span className="adm-mono">{delivery.id}</span>
                    <div className="adm-muted">{delivery.endpoint.url}</div>
                    <div className="adm-muted">{formatDateTime(delivery.createdAt)}</div>
                  </td>
                  <td>
                    {delivery.eventType}
                    {delivery.jobId && (
                      <div>
                        <Link className="adm-mono" href={`/admin/jobs/${delivery.jobId}`}>
                          {delivery.jobId}
                        </Link>
                      </div>
                    )}
                  </td>
                  <td>{delivery.status}</td>
                  <td>
                    <ol>
                      {delivery.attemptLog.map((attempt) => (
                        <li key={String(attempt.id)}>
                          {attempt.statusCode ?? "no answer"} · {formatDuration(attempt.latencyMs)}
                          {attempt.error && ` · ${attempt.error}`}
                          {attempt.responseSnippet && <div className="adm-mono">{attempt.responseSnippet}</div>}
                        </li>
                      ))}
                    </ol>
                  </td>
                  <td>
                    <ActionButton
                      endpoint={`/api/admin/webhooks/deliveries/${delivery.id}/replay`}
                      label="Replay"
                      question="Send this event again (same webhook-id)?"
                      confirmLabel="Yes, replay"
                      pendingLabel="Replaying…"
                    />
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
