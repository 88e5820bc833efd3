import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ActionButton } from "@/components/admin/action-button";
import { AuditTable } from "@/components/admin/audit-table";
import { AutoRefresh } from "@/components/admin/auto-refresh";
import { ErrorPanel } from "@/components/admin/error-panel";
import { JobThumbnail } from "@/components/admin/job-thumbnail";
import { JobTimeline } from "@/components/admin/job-timeline";
import { StatusBadge } from "@/components/admin/status-badge";
import { ReadabilityTable } from "@/components/captions/readability-table";
import { CaptionEditor } from "@/components/job/caption-editor";
import { formatBytes, formatDateTime, formatDuration, humanize } from "@/lib/admin/formatting";
import { getJobDetail } from "@/lib/admin/job-detail";
import { appServices } from "@/lib/app-services";
import { CONSOLE_READERS, ERROR_DETAIL_READERS, JOB_ADMINS, roleAllows } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";
import { publicOrigin } from "@/lib/public-origin";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Job ${id}` };
}

export default async function JobPage({ params }: { params: Params }) {
  const { id } = await params;
  const user = await requireRole(CONSOLE_READERS, `/admin/jobs/${encodeURIComponent(id)}`);
  const services = appServices();
  const canReadDetail = roleAllows(ERROR_DETAIL_READERS, user.role);
  const job = await getJobDetail(services, id, {
    withErrorDetail: canReadDetail,
    baseUrl: publicOrigin(await headers(), services.env),
  });
  if (!job) notFound();
  const isAdmin = roleAllows(JOB_ADMINS, user.role);
  const active = job.status === "queued" || job.status === "processing";
  const finished = job.status === "completed" || job.status === "failed" || job.status === "canceled";
  const inputGone = job.retention.inputDeletedAt !== null;

  return (
    <>
      <p>
        <Link href="/admin/jobs">← All jobs</Link>
      </p>
      <h1>
        Job <span className="adm-mono">{job.id}</span> <StatusBadge status={job.status} />
      </h1>

      <div className="adm-toolbar">
        {isAdmin ? (
          <div className="adm-buttons">
            {(job.status === "failed" || job.status === "canceled") && !inputGone && (
              <ActionButton
                endpoint={`/api/admin/jobs/${job.id}/retry`}
                label="Retry job"
                question={
                  job.error?.permanent && job.error.code !== "CANCELED"
                    ? `This job failed with ${job.error.code}, a permanent error: the same input will fail the same way. Run it again anyway?`
                    : "Run this job again from the start?"
                }
                confirmLabel="Yes, retry"
                pendingLabel="Retrying…"
              />
            )}
            {active && (
              <ActionButton
                endpoint={`/api/admin/jobs/${job.id}/cancel`}
                label="Cancel job"
                question="Stop this job? Its work so far is thrown away."
                confirmLabel="Yes, cancel it"
                pendingLabel="Canceling…"
                variant="danger"
              />
            )}
            {finished && (
              <ActionButton
                endpoint={`/api/admin/jobs/${job.id}/purge`}
                label="Purge files"
                question="Delete this job's uploaded video, every output of every caption version, its transcript and caption text now? This cannot be undone: the job will read expired."
                confirmLabel="Yes, delete them"
                pendingLabel="Deleting…"
                variant="danger"
              />
            )}
          </div>
        ) : (
          <span />
        )}
        {active && <AutoRefresh seconds={2} />}
      </div>

      {(job.retention.expiredMessage || job.retention.inputMessage) && (
        <section className="adm-panel" data-tone="muted" aria-labelledby="retention-title">
          <h2 id="retention-title">{job.status === "expired" ? "Files deleted" : "Uploaded video deleted"}</h2>
          {job.retention.expiredMessage && <p>{job.retention.expiredMessage}</p>}
          {/* In place of a retry button that could only fail: why the job cannot run again. */}
          {job.retention.inputMessage && <p>{job.retention.inputMessage}</p>}
        </section>
      )}

      <div className="adm-grid">
        <section aria-labelledby="summary-title">
          <h2 id="summary-title">Summary</h2>
          <JobThumbnail src={job.thumbnailUrl} size="page" alt="A frame of the captioned video" pending={active} />
          <dl className="adm-facts">
            <dt>Status</dt>
            <dd>{humanize(job.status)}</dd>
            {job.status === "processing" && (
              <>
                <dt>Phase</dt>
                <dd>{job.phase ? humanize(job.phase) : "Starting"}</dd>
              </>
            )}
            <dt>Progress</dt>
            <dd>
              <progress className="adm-progress" max={100} value={job.progress} aria-label="Progress" /> {job.progress}%
            </dd>
            <dt>Runs</dt>
            <dd>
              {job.runs}
              {job.runs > 1 ? ` (${job.runs - 1} started by an admin)` : ""}
            </dd>
            <dt>Attempts</dt>
            <dd>
              {job.attemptsThisRun} in this run
              {job.attempts !== job.attemptsThisRun ? ` · ${job.attempts} in all` : ""}
            </dd>
            <dt>Created</dt>
            <dd>{formatDateTime(job.createdAt)}</dd>
            <dt>Started</dt>
            <dd>{formatDateTime(job.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{formatDateTime(job.finishedAt)}</dd>
            <dt>Processing time</dt>
            <dd>{formatDuration(job.elapsedMs)}</dd>
            {job.status === "canceled" && (
              <>
                <dt>Canceled by</dt>
                <dd>{job.canceledBy ?? "—"}</dd>
              </>
            )}
            <dt>Submitted by</dt>
            <dd>
              {job.submitter.filter ? (
                <Link href={`/admin/jobs?submitter=${encodeURIComponent(job.submitter.filter)}`}>
                  {job.submitter.label}
                </Link>
              ) : (
                job.submitter.label
              )}
            </dd>
          </dl>
        </section>

        <section aria-labelledby="input-title">
          <h2 id="input-title">Input</h2>
          <dl className="adm-facts">
            <dt>File name</dt>
            <dd>{job.input.filename ?? "—"}</dd>
            <dt>Size</dt>
            <dd>{job.input.size === null ? "—" : formatBytes(job.input.size)}</dd>
            <dt>Content type</dt>
            <dd>{job.input.contentType ?? "—"}</dd>
            <dt>Media duration</dt>
            <dd>{job.input.durationSec === null ? "—" : formatDuration(job.input.durationSec * 1000)}</dd>
            <dt>Storage key</dt>
            <dd className="adm-mono">{job.input.key}</dd>
            {job.retention.inputDeletedAt && (
              <>
                <dt>Deleted</dt>
                <dd>{formatDateTime(job.retention.inputDeletedAt)}</dd>
              </>
            )}
            {job.retention.outputsDeletedAt && (
              <>
                <dt>Outputs deleted</dt>
                <dd>{formatDateTime(job.retention.outputsDeletedAt)}</dd>
              </>
            )}
            {job.retention.inputExpiresAt && (
              <>
                <dt>Deletion due</dt>
                <dd>{formatDateTime(job.retention.inputExpiresAt)} (retention)</dd>
              </>
            )}
            {job.retention.expiresAt && (
              <>
                <dt>Outputs deletion due</dt>
                <dd>{formatDateTime(job.retention.expiresAt)} (retention)</dd>
              </>
            )}
          </dl>
          <h2 id="options-title">Options</h2>
          <dl className="adm-facts" aria-labelledby="options-title">
            <dt>Language</dt>
            <dd>{job.options.language ?? "Automatic"}</dd>
            <dt>Captions</dt>
            <dd>{job.options.burnIn ? "Burned into the picture" : "Subtitle track"}</dd>
            <dt>Audio track</dt>
            <dd>{job.options.audioTrack ?? "Automatic"}</dd>
            <dt>Caption profile</dt>
            <dd>{job.options.profile}</dd>
          </dl>
        </section>
      </div>

      {job.error && (
        <ErrorPanel
          error={job.error}
          final={job.status === "failed" || job.status === "canceled"}
          detailHidden={!canReadDetail}
          canceledBy={job.canceledBy}
        />
      )}

      {job.result && (
        <section aria-labelledby="result-title">
          <h2 id="result-title">Result</h2>
          {/* S3 URLs are cross-origin: the caption track only loads with CORS, which the bucket must allow. */}
          <video
            id="admin-job-video"
            className="adm-video"
            controls
            preload="metadata"
            src={job.result.videoUrl}
            crossOrigin={services.storage.driver === "s3" ? "anonymous" : undefined}
          >
            <track
              kind="captions"
              src={job.result.vttUrl}
              srcLang={job.result.language ?? "en"}
              label="Captions"
              default={!job.options.burnIn}
            />
          </video>
          {job.options.burnIn && (
            <p className="adm-muted">
              The captions are burned into the picture; the player's caption track is off so they do not show twice.
            </p>
          )}
          <p>
            {job.result.noSpeech
              ? "No speech was found: the captions are empty on purpose."
              : `${job.result.cueCount ?? 0} captions${job.result.language ? ` · language ${job.result.language}` : ""}.`}
          </p>
          {job.result.transcriber && (
            <p>
              Recognised by {job.result.transcriber.backend} ({job.result.transcriber.model})
              {job.result.transcriber.punctuation === "guessed" ? " · punctuation guessed from pauses" : ""}
              {job.result.transcriber.wordTiming === "aligned" ? " · text-only model, words aligned here" : ""}.
            </p>
          )}
          {job.status === "completed" && isAdmin && !inputGone && (
            <CaptionEditor jobId={job.id} videoId="admin-job-video" asAdmin />
          )}
          {job.result.readability && (
            <>
              <h3 id="readability-title">Readability</h3>
              <ReadabilityTable
                report={job.result.readability}
                headingId="readability-title"
                className="adm-readability"
              />
            </>
          )}
          <ul className="adm-buttons" style={{ listStyle: "none", padding: 0 }}>
            <li>
              <a className="adm-button" data-variant="secondary" href={job.result.videoUrl} download>
                Download MP4
              </a>
            </li>
            <li>
              <a className="adm-button" data-variant="secondary" href={job.result.srtUrl} download>
                Download SRT
              </a>
            </li>
            <li>
              <a className="adm-button" data-variant="secondary" href={job.result.vttUrl} download>
                Download VTT
              </a>
            </li>
          </ul>
        </section>
      )}

      <JobTimeline entries={job.timeline} />

      <section aria-labelledby="audit-title">
        <h2 id="audit-title">Admin actions</h2>
        {job.audit.length === 0 ? (
          <p className="adm-muted">No admin has acted on this job.</p>
        ) : (
          <AuditTable entries={job.audit} showJob={false} />
        )}
      </section>
    </>
  );
}
