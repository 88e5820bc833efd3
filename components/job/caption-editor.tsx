"use client";

import { type KeyboardEvent, useEffect, useState } from "react";
import {
  CaptionRulesError,
  type EditableCue,
  fetchCaptions,
  type JobCaptions,
  recalledManageToken,
  saveCaptions,
} from "@/lib/client/video-api";
import styles from "./job.module.css";

// Stands in for a token when the console's session cookie authorises the save.
const ADMIN_SESSION = "admin-session";

/**
 * The submitter's cue editor: text and timing of every cue, play from a cue, save as the next version
 * (re-rendered without recognition), and the version history. Shown only in the browser that submitted
 * the job (it holds the manage token). Keys: Alt+↓/↑ next/previous cue, Alt+P play from the cue,
 * Ctrl/⌘+S save.
 */
export function CaptionEditor({
  jobId,
  videoId,
  asAdmin = false,
}: {
  jobId: string;
  /** The id of the <video> element "play from caption" drives. */
  videoId: string;
  /** In the console: saves with the admin's session (audited) instead of the submitter's token. */
  asAdmin?: boolean;
}) {
  const [token, setToken] = useState<string | null>(null);
  const [captions, setCaptions] = useState<JobCaptions | null>(null);
  const [cues, setCues] = useState<EditableCue[]>([]);
  const [problems, setProblems] = useState<Map<number, string[]>>(new Map());
  const [status, setStatus] = useState<string>("");
  const [saving, setSaving] = useState(false);

  useEffect(() => setToken(asAdmin ? ADMIN_SESSION : recalledManageToken(jobId)), [jobId, asAdmin]);
  useEffect(() => {
    if (!token) return;
    const controller = new AbortController();
    fetchCaptions("", jobId, controller.signal)
      .then((loaded) => {
        setCaptions(loaded);
        setCues(loaded.cues);
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setStatus(`The captions could not be loaded: ${(error as Error).message}`);
      });
    return () => controller.abort();
  }, [jobId, token]);

  if (!token || !captions) return null;

  const update = (index: number, change: Partial<EditableCue>) =>
    setCues((current) => current.map((cue, i) => (i === index ? { ...cue, ...change } : cue)));
  const playFrom = (cue: EditableCue) => {
    const player = document.getElementById(videoId) as HTMLVideoElement | null;
    if (!player) return;
    player.currentTime = cue.start;
    void player.play().catch(() => {});
  };
  const save = async () => {
    setSaving(true);
    setStatus("Saving…");
    try {
      const saved = await saveCaptions("", jobId, token === ADMIN_SESSION ? null : token, {
        version: captions.version,
        cues,
      });
      setStatus(`Saved as version ${saved.version}; the video is being rendered again.`);
      // The page shows the job's progress again from the server's state.
      window.location.reload();
    } catch (error) {
      if (error instanceof CaptionRulesError) {
        setProblems(new Map(error.cues.map((c) => [c.index, c.problems])));
        setStatus(error.message);
      } else setStatus((error as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const onKeyDown = (index: number) => (event: KeyboardEvent<HTMLElement>) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      void save();
    } else if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const next = index + (event.key === "ArrowDown" ? 1 : -1);
      document.getElementById(`cue-text-${next}`)?.focus();
    } else if (event.altKey && event.key.toLowerCase() === "p") {
      event.preventDefault();
      const cue = cues[index];
      if (cue) playFrom(cue);
    }
  };

  return (
    <details className={styles.editor}>
      <summary>Edit captions (version {captions.version})</summary>
      <p className={styles.hint}>
        Alt+↓/↑ moves between captions, Alt+P plays from one, Ctrl+S saves. Saving renders the video again from your
        captions; the speech is not recognised again.
      </p>
      <ol className={styles.cueList}>
        {cues.map((cue, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: cues have no id; their position is their identity here
          <li key={index} className={styles.cue} data-invalid={problems.has(index) || undefined}>
            <button type="button" onClick={() => playFrom(cue)} aria-label={`Play from caption ${index + 1}`}>
              ▶
            </button>
            {(["start", "end"] as const).map((field) => (
              <label key={field}>
                {field === "start" ? "Start" : "End"}
                <input
                  type="number"
                  step="0.001"
                  min="0"
                  aria-label={`${field === "start" ? "Start" : "End"} of caption ${index + 1} (seconds)`}
                  value={cue[field]}
                  onChange={(e) => update(index, { [field]: Number(e.target.value) })}
                  onKeyDown={onKeyDown(index)}
                />
              </label>
            ))}
            <label className={styles.cueText}>
              Text of caption {index + 1}
              <textarea
                id={`cue-text-${index}`}
                aria-label={`Text of caption ${index + 1}`}
                rows={2}
                value={cue.text}
                onChange={(e) => update(index, { text: e.target.value })}
                onKeyDown={onKeyDown(index)}
                aria-describedby={problems.has(index) ? `cue-problems-${index}` : undefined}
              />
            </label>
            {problems.has(index) && (
              <ul id={`cue-problems-${index}`} className={styles.cueProblems}>
                {problems.get(index)?.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
      <button type="button" onClick={() => void save()} disabled={saving}>
        Save as version {captions.version + 1}
      </button>
      <p role="status">{status}</p>
      <h3>Versions</h3>
      <ul>
        {captions.versions.map((v) => (
          <li key={v.version}>
            Version {v.version}: {v.source === "edited" ? "edited" : "as recognised"},{" "}
            {new Date(v.createdAt).toLocaleString()}
            {v.rendered ? "" : " (rendering)"}
          </li>
        ))}
      </ul>
    </details>
  );
}
