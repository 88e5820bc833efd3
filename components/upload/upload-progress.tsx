"use client";

import { formatBytes, formatRate, formatTimeLeft } from "@/lib/client/human-units";
import type { TransferStats } from "@/lib/client/transfer-meter";
import styles from "./upload.module.css";

interface UploadProgressProps {
  fileName: string;
  stats: TransferStats;
  onCancel: () => void;
  /** Parts are failing and being retried (the network dropped): the upload carries on by itself. */
  reconnecting?: boolean;
}

export function UploadProgress({ fileName, stats, onCancel, reconnecting }: UploadProgressProps) {
  const details = [
    `${formatBytes(stats.sent)} of ${formatBytes(stats.total)}`,
    stats.bytesPerSec !== null ? formatRate(stats.bytesPerSec) : null,
    stats.secondsLeft !== null ? formatTimeLeft(stats.secondsLeft) : null,
  ].filter(Boolean);
  // Screen readers hear every 10 %, not every progress event.
  const announced = Math.floor(stats.percent / 10) * 10;

  return (
    <div className={styles.uploadProgress}>
      <div className={styles.progressHead}>
        <span id="upload-progress-label">
          Uploading <strong className={styles.fileName}>{fileName}</strong>
        </span>
        <span className={styles.percent} aria-hidden="true">
          {stats.percent}%
        </span>
      </div>
      <progress
        className={styles.bar}
        max={100}
        value={stats.percent}
        aria-valuenow={stats.percent}
        aria-labelledby="upload-progress-label"
      />
      <p className={styles.progressDetails} data-testid="upload-details">
        {details.join(" · ")}
      </p>
      {reconnecting && (
        <p className={styles.progressDetails} role="status" data-testid="upload-reconnecting">
          Connection lost. Waiting for the network; the upload will continue by itself.
        </p>
      )}
      <p className={styles.srOnly} aria-live="polite">
        {announced}% uploaded
      </p>
      <button type="button" className={styles.secondaryButton} onClick={onCancel}>
        Cancel upload
      </button>
    </div>
  );
}
