"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { formatBytes } from "@/lib/client/human-units";
import { languageName } from "@/lib/client/job-labels";
import { putWithProgress, UploadCanceledError, type UploadHandle } from "@/lib/client/put-with-progress";
import { rememberJob } from "@/lib/client/recent-jobs";
import { TransferMeter, type TransferStats } from "@/lib/client/transfer-meter";
import {
  ApiRequestError,
  newIdempotencyKey,
  rememberManageToken,
  requestUpload,
  startProcessing,
} from "@/lib/client/video-api";
import { checkVideoFile } from "@/lib/client/video-file";
import { DropZone } from "./drop-zone";
import styles from "./upload.module.css";
import { UploadProgress } from "./upload-progress";

type Stage = "idle" | "uploading" | "starting";

interface Picked {
  file: File;
  contentType: string;
}

/** The storage key of a file already uploaded, so a failed "start" can be retried without uploading again. */
interface Uploaded {
  file: File;
  key: string;
}

/** The key of one process request: the same file with the same options never makes a second job. */
interface ProcessAttempt {
  body: string;
  idempotencyKey: string;
}

/** How often the progress text re-renders: progress events can fire hundreds of times a second. */
const PROGRESS_RENDER_INTERVAL_MS = 200;

/**
 * `languages`/`detectsLanguage` come from the server's configured recogniser (GET /api/capabilities has the
 * same): only what it can hear is offered, and "Detect automatically" only when it can detect.
 */
export function UploadForm({
  maxBytes,
  languages,
  detectsLanguage,
}: {
  maxBytes: number;
  languages: string[];
  detectsLanguage: boolean;
}) {
  const router = useRouter();
  const errorId = useId();
  const [picked, setPicked] = useState<Picked | null>(null);
  const [language, setLanguage] = useState(detectsLanguage ? "auto" : (languages[0] ?? "auto"));
  const sortedLanguages = [...languages].sort((a, b) => languageName(a).localeCompare(languageName(b)));
  const [burnIn, setBurnIn] = useState(true);
  const [stage, setStage] = useState<Stage>("idle");
  const [stats, setStats] = useState<TransferStats | null>(null);
  const [error, setError] = useState<{ message: string; code?: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const upload = useRef<UploadHandle | null>(null);
  /** Guards against a second submit before React has re-rendered the disabled button (a fast double click). */
  const submitting = useRef(false);
  /** Set by Cancel before the PUT has started (while the upload URL is being requested). */
  const canceled = useRef(false);
  const uploaded = useRef<Uploaded | null>(null);
  const attempt = useRef<ProcessAttempt | null>(null);
  const busy = stage !== "idle";

  // Leaving the page mid-upload throws the upload away: ask first.
  useEffect(() => {
    if (stage !== "uploading") return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [stage]);

  const pick = (file: File) => {
    setNotice(null);
    const check = checkVideoFile(file, maxBytes);
    if (!check.ok) {
      setPicked(null);
      setError({ message: check.message });
      return;
    }
    setError(null);
    setPicked({ file, contentType: check.contentType });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (submitting.current) return;
    setNotice(null);
    if (!picked) {
      setError({ message: "Choose a video first." });
      return;
    }
    setError(null);
    submitting.current = true;
    try {
      const key = await uploadOnce(picked);
      setStage("starting");
      const body = JSON.stringify({ key, language, burnIn });
      if (attempt.current?.body !== body) attempt.current = { body, idempotencyKey: newIdempotencyKey() };
      const job = await startProcessing("", key, { language, burnIn }, attempt.current.idempotencyKey);
      if (job.manageToken) rememberManageToken(job.id, job.manageToken);
      rememberJob({ id: job.id, filename: picked.file.name, at: new Date().toISOString() });
      router.push(`/jobs/${encodeURIComponent(job.id)}`);
    } catch (caught) {
      submitting.current = false;
      setStage("idle");
      setStats(null);
      if (caught instanceof UploadCanceledError) setNotice("Upload canceled. Nothing was sent for captioning.");
      else if (caught instanceof ApiRequestError) setError({ message: describeApiError(caught), code: caught.code });
      else setError({ message: "Something went wrong in the browser. Reload the page and try again." });
    }
  };

  const uploadOnce = async ({ file, contentType }: Picked): Promise<string> => {
    if (uploaded.current?.file === file) return uploaded.current.key;
    setStage("uploading");
    canceled.current = false;
    const meter = new TransferMeter(file.size);
    setStats(meter.sample(0, performance.now()));
    const ticket = await requestUpload("", { filename: file.name, contentType, size: file.size });
    if (canceled.current) throw new UploadCanceledError();
    let lastRender = 0;
    upload.current = putWithProgress(ticket, file, (sent) => {
      const now = performance.now();
      const sample = meter.sample(sent, now);
      if (now - lastRender >= PROGRESS_RENDER_INTERVAL_MS || sent === file.size) {
        lastRender = now;
        setStats(sample);
      }
    });
    try {
      await upload.current.done;
    } finally {
      upload.current = null;
    }
    uploaded.current = { file, key: ticket.key };
    return ticket.key;
  };

  const cancel = () => {
    canceled.current = true;
    upload.current?.abort();
  };

  return (
    <form className={styles.form} onSubmit={submit} noValidate>
      <DropZone
        file={picked?.file ?? null}
        maxBytes={maxBytes}
        disabled={busy}
        describedBy={error ? errorId : undefined}
        onPick={pick}
      />

      {picked && !busy && (
        <p className={styles.selected}>
          Selected: <strong className={styles.fileName}>{picked.file.name}</strong> ({formatBytes(picked.file.size)})
        </p>
      )}

      {/* Inserted only when there is something to say: a new role=alert element is announced at once. */}
      {error && (
        <div role="alert" id={errorId} className={styles.error}>
          <p className={styles.errorText}>{error.message}</p>
          {error.code && <p className={styles.errorCode}>Error code: {error.code}</p>}
        </div>
      )}
      <p role="status" className={notice ? styles.notice : styles.srOnly}>
        {notice}
      </p>

      <div className={styles.options}>
        <div className={styles.field}>
          <label htmlFor="caption-language" className={styles.fieldLabel}>
            Spoken language
          </label>
          <select
            id="caption-language"
            className={styles.select}
            value={language}
            disabled={busy}
            onChange={(event) => setLanguage(event.currentTarget.value)}
          >
            {detectsLanguage && <option value="auto">Detect automatically</option>}
            {sortedLanguages.map((code) => (
              <option key={code} value={code}>
                {languageName(code)}
              </option>
            ))}
          </select>
          {!detectsLanguage && languages.length === 1 && (
            <p className={styles.radioHint}>
              This server's speech recogniser knows {languageName(languages[0] ?? "")} only.
            </p>
          )}
        </div>

        <fieldset className={styles.fieldset} disabled={busy}>
          <legend className={styles.fieldLabel}>Captions</legend>
          <label className={styles.radio}>
            <input type="radio" name="caption-style" checked={burnIn} onChange={() => setBurnIn(true)} />
            <span>
              <strong>Burned in</strong>
              <span className={styles.radioHint}>
                Part of the picture: visible in every player and on social media.
              </span>
            </span>
          </label>
          <label className={styles.radio}>
            <input type="radio" name="caption-style" checked={!burnIn} onChange={() => setBurnIn(false)} />
            <span>
              <strong>Soft subtitles</strong>
              <span className={styles.radioHint}>A subtitle track viewers can switch on or off.</span>
            </span>
          </label>
        </fieldset>
      </div>

      {stage === "uploading" && stats && picked && (
        <UploadProgress fileName={picked.file.name} stats={stats} onCancel={cancel} />
      )}
      {stage === "starting" && (
        <p role="status" className={styles.notice}>
          Upload complete. Starting the job…
        </p>
      )}

      <button type="submit" className={styles.primaryButton} disabled={busy}>
        {stage === "idle" ? "Upload and caption" : "Working…"}
      </button>
    </form>
  );
}

/** The server's message, with a hint for the errors a person can act on. */
function describeApiError(error: ApiRequestError): string {
  if (error.code === "UNREACHABLE") return "The server could not be reached. Check your connection and try again.";
  if (error.code === "URL_EXPIRED") return `${error.message} Choose the file again to restart the upload.`;
  return error.message;
}
