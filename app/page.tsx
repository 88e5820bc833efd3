import { connection } from "next/server";
import { RecentVideos } from "@/components/upload/recent-videos";
import styles from "@/components/upload/upload.module.css";
import { UploadForm } from "@/components/upload/upload-form";
import { appEnv } from "@/lib/env/app-env";

/** Home: upload a video. Rendered per request so the size limit shown is the running server's. */
export default async function Home() {
  await connection();
  const maxBytes = appEnv().MAX_UPLOAD_BYTES;
  return (
    <main className={styles.page}>
      <header className={styles.header}>
        <p className={styles.brand}>Captioner</p>
        <h1 className={styles.title}>Caption a video</h1>
        <p className={styles.lead}>
          Upload a video and get it back with its speech as captions, plus SRT and WebVTT subtitle files.
        </p>
      </header>
      <section className={styles.card} aria-label="Upload">
        <UploadForm maxBytes={maxBytes} />
      </section>
      <RecentVideos />
      <ol className={styles.steps}>
        <li>Your video goes straight to storage through a private link that expires.</li>
        <li>The speech is transcribed and turned into timed captions.</li>
        <li>You get a page to watch and download the result. Bookmark it to come back later.</li>
      </ol>
    </main>
  );
}
