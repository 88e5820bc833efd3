"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { formatBytes } from "@/lib/client/human-units";
import { languageName } from "@/lib/client/job-labels";
import { abortPlan, fetchPlan, sendPlan, startOrResumeUpload, type UploadPlan } from "@/lib/client/part-uploader";
import {
  putWithProgress,
  UploadCanceledError,
  type UploadHandle,
  waitForNetwork,
  xhrPartSender,
} from "@/lib/client/put-with-progress";
import { rememberJob } from "@/lib/client/recent-jobs";
import { savedUploadFor } from "@/lib/client/saved-uploads";
import { TransferMeter, type TransferStats } from "@/lib/client/transfer-meter";
import { ApiRequestError, newIdempotencyKey, rememberManageToken, startProcessing } from "@/lib/client/video-api";
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
  /** An earlier, unfinished upload of the picked file (found in localStorage): how far it got. */
  const [resumable, setResumable] = useState<{ sent: number; total: number } | null>(null);
  /** Set while parts are failing and being retried (offline, flaky Wi-Fi); cleared when bytes move again. */
  const [reconnecting, setReconnecting] = useState(false);
  const upload = useRef<UploadHandle | null>(null);
  /** The multipart upload in progress: Cancel aborts its parts and frees them on the server. */
  const multipart = useRef<{ controller: AbortController; plan: UploadPlan | null } | null>(null);
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
    setResumable(null);
    const check = checkVideoFile(file, maxBytes);
    if (!check.ok) {
      setPicked(null);
      setError({ message: check.message });
      return;
    }
    setError(null);
    setPicked({ file, contentType: check.contentType });
    void offerResume(file);
  };

  /** The same file picked again after a reload or a failure: say how much the server already has. */
  const offerResume = async (file: File) => {
    const saved = await savedUploadFor(file).load();
    if (!saved) return;
    try {
      const plan = await fetchPlan(saved.statusUrl);
      const sent = plan.uploadedParts.reduce((sum, part) => sum + part.size, 0);
      if (plan.status === "open" && plan.size === file.size) setResumable({ sent, total: plan.size });
    } catch {
      // Gone or unreachable: the upload simply starts over (startOrResumeUpload checks again).
    }
  };

  /** "Start over instead": forget the earlier upload and free its parts. */
  const discardResumable = async () => {
    if (!picked) return;
    const store = savedUploadFor(picked.file);
    const saved = await store.load();
    await store.clear();
    setResumable(null);
    if (saved) {
      const plan = await fetchPlan(saved.statusUrl).catch(() => null);
      if (plan) await abortPlan(plan);
    }
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
    let lastRender = 0;
    const onProgress = (sent: number) => {
      const now = performance.now();
      const sample = meter.sample(sent, now);
      if (now - lastRender >= PROGRESS_RENDER_INTERVAL_MS || sent === file.size) {
        lastRender = now;
        setStats(sample);
      }
    };
    const controller = new AbortController();
    multipart.current = { controller, plan: null };
    const store = savedUploadFor(file);
    try {
      const start = await startOrResumeUpload({
        baseUrl: "",
        file: { filename: file.name, contentType, size: file.size },
        store,
        signal: controller.signal,
      });
      if (canceled.current) throw new UploadCanceledError();
      let key: string;
      if (start.kind === "single") {
        upload.current = putWithProgress(start.ticket, file, onProgress);
        await upload.current.done;
        key = start.ticket.key;
      } else {
        multipart.current.plan = start.plan;
        setResumable(null);
        if (start.resumed) setNotice("Picking up the earlier upload of this file where it stopped.");
        let lastSent = 0;
        key = await sendPlan({
          plan: start.plan,
          sendPart: xhrPartSender(file),
          signal: controller.signal,
          waitBeforeRetry: waitForNetwork,
          onRetry: () => setReconnecting(true),
          onPartStored: () => setReconnecting(false),
          onProgress: (sent) => {
            if (sent > lastSent) setReconnecting(false);
            lastSent = sent;
            onProgress(sent);
          },
        });
        await store.clear();
      }
      uploaded.current = { file, key };
      return key;
    } catch (error) {
      if (controller.signal.aborted || canceled.current) {
        // Cancel frees the parts on the server and forgets the plan: a later pick starts from zero.
        const plan = multipart.current?.plan;
        await store.clear();
        if (plan) await abortPlan(plan);
        throw new UploadCanceledError();
      }
      throw error;
    } finally {
      upload.current = null;
      multipart.current = null;
      setReconnecting(false);
    }
  };

  const cancel = () => {
    canceled.current = true;
    upload.current?.abort();
    multipart.current?.controller.abort(new UploadCanceledError());
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
      {picked && !busy && resumable && (
        <div className={styles.notice} data-testid="resume-offer">
          <p>
            An earlier upload of this file stopped at {formatBytes(resumable.sent)} of {formatBytes(resumable.total)}.
            Uploading it again picks up from there.
          </p>
          <button type="button" className={styles.secondaryButton} onClick={() => void discardResumable()}>
            Start over instead
          </button>
        </div>
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
        <UploadProgress fileName={picked.file.name} stats={stats} onCancel={cancel} reconnecting={reconnecting} />
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
