"use client";

import { type DragEvent, useId, useState } from "react";
import { formatBytes } from "@/lib/client/human-units";
import styles from "./upload.module.css";

interface DropZoneProps {
  file: File | null;
  maxBytes: number;
  disabled: boolean;
  /** Ids of messages that describe the input (e.g. a refusal), for screen readers. */
  describedBy?: string;
  onPick: (file: File) => void;
}

/**
 * A real <input type=file> (keyboard and screen readers use it as usual) whose label is the big drop
 * target. The input is visually hidden; its focus ring is drawn on the label.
 */
export function DropZone({ file, maxBytes, disabled, describedBy, onPick }: DropZoneProps) {
  const inputId = useId();
  const hintId = useId();
  const [dragging, setDragging] = useState(false);

  const onDragOver = (event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = disabled ? "none" : "copy";
    if (!disabled) setDragging(true);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const dropped = event.dataTransfer.files[0];
    if (dropped && !disabled) onPick(dropped);
  };

  return (
    <div className={styles.dropArea}>
      <input
        id={inputId}
        className={styles.fileInput}
        type="file"
        accept="video/*"
        disabled={disabled}
        aria-describedby={[hintId, describedBy].filter(Boolean).join(" ")}
        onChange={(event) => {
          const picked = event.currentTarget.files?.[0];
          // Cleared so that picking the same file again (after a refusal or a cancel) fires change again.
          event.currentTarget.value = "";
          if (picked) onPick(picked);
        }}
      />
      <label
        htmlFor={inputId}
        className={styles.dropZone}
        data-dragging={dragging || undefined}
        data-disabled={disabled || undefined}
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <svg className={styles.dropIcon} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3" />
        </svg>
        <span className={styles.dropTitle}>{file ? "Choose a different video" : "Choose a video"}</span>
        <span className={styles.dropSub}>or drag and drop it here</span>
        <span id={hintId} className={styles.dropHint}>
          Video file (MP4, MOV, MKV, WebM…), up to {formatBytes(maxBytes)}
        </span>
      </label>
    </div>
  );
}
