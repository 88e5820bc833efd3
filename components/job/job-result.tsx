"use client";

import { useEffect, useRef, useState } from "react";
import { ReadabilityTable } from "@/components/captions/readability-table";
import { languageName } from "@/lib/client/job-labels";
import type { PublicJob } from "@/lib/client/video-api";
import { CaptionEditor } from "./caption-editor";
import styles from "./job.module.css";

type Result = NonNullable<PublicJob["result"]>;

/** The finished video with its caption track, and the three downloads. */
export function JobResult({ jobId, result }: { jobId: string; result: Result }) {
  const language = result.language ?? "und";
  const trackLabel = result.language ? `${languageName(result.language)} captions` : "Captions";
  const video = useRef<HTMLVideoElement>(null);
  const [unplayable, setUnplayable] = useState(false);
  // An error that happened before hydration fired no React handler: ask the element. New URLs (a fresh
  // poll) get a fresh chance.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-check whenever the video's URL changes
  useEffect(() => {
    setUnplayable(Boolean(video.current?.error));
  }, [result.videoUrl]);
  return (
    <section className={styles.result} aria-labelledby="result-heading">
      <h2 id="result-heading" className={styles.sectionTitle}>
        Watch
      </h2>
      {/* crossOrigin: a caption track from another origin (an S3/R2 bucket) loads only over CORS. */}
      <video
        id="job-video"
        ref={video}
        className={styles.video}
        controls
        preload="metadata"
        crossOrigin="anonymous"
        src={result.videoUrl}
        onError={() => setUnplayable(true)}
      >
        <track kind="captions" src={result.vttUrl} srcLang={language} label={trackLabel} default={!result.burnIn} />
        Your browser cannot play this video here; download it below.
      </video>
      {unplayable && (
        <p className={styles.warning} role="alert" data-testid="player-error">
          The player could not load this video (its link may have expired).{" "}
          <a href={result.videoUrl} download>
            Download the video
          </a>{" "}
          instead, or reload the page for fresh links.
        </p>
      )}
      <p className={styles.note}>
        {result.burnIn
          ? "The captions are burned into the picture, so they show in every player. The player's caption track is off; turning it on would show them twice."
          : "The captions are a soft subtitle track, shown by default. Use the player's captions button to hide them."}
      </p>
      {result.transcriber && (
        <p className={styles.note} data-testid="job-transcriber">
          Speech recognised by <strong>{result.transcriber.backend}</strong> (model{" "}
          <code>{result.transcriber.model}</code>){result.language ? ` in ${languageName(result.language)}` : ""}.
          {result.transcriber.punctuation === "guessed" && " Full stops and capitals were guessed from pauses."}
          {result.transcriber.wordTiming === "aligned" &&
            " The model returns text only; word timings were aligned to the audio here."}
        </p>
      )}
      {result.noSpeech && (
        <p className={styles.warning} role="note">
          No speech was found; the captions are empty.
        </p>
      )}

      {result.readability && (
        <>
          <h2 id="readability-heading" className={styles.sectionTitle}>
            Readability
          </h2>
          <ReadabilityTable
            report={result.readability}
            headingId="readability-heading"
            className={styles.readability}
          />
        </>
      )}

      <CaptionEditor jobId={jobId} videoId="job-video" />

      <h2 className={styles.sectionTitle}>Download</h2>
      <ul className={styles.downloads}>
        <li>
          <a className={styles.download} href={result.videoUrl} download>
            <span className={styles.downloadKind}>MP4</span> Video with captions
          </a>
        </li>
        <li>
          <a className={styles.download} href={result.srtUrl} download>
            <span className={styles.downloadKind}>SRT</span> Subtitles for editors and players
          </a>
        </li>
        <li>
          <a className={styles.download} href={result.vttUrl} download>
            <span className={styles.downloadKind}>VTT</span> Subtitles for the web
          </a>
        </li>
      </ul>
      <p className={styles.hint}>Download links expire after a while; reload this page to get fresh ones.</p>
    </section>
  );
}
