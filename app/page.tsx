import { connection } from "next/server";
import { RecentVideos } from "@/components/upload/recent-videos";
import styles from "@/components/upload/upload.module.css";
import { UploadForm } from "@/components/upload/upload-form";
import { configuredCapabilities } from "@/lib/asr/capabilities";
import { currentStaff } from "@/lib/auth/session";
import { appEnv } from "@/lib/env/app-env";

/** Home: upload a video. Rendered per request so the size limit and languages shown are the running server's. */
export default async function Home() {
  await connection();
  const env = appEnv();
  const { languages, detectsLanguage } = configuredCapabilities(env);
  // PUBLIC_SUBMISSIONS=key: anonymous visitors are asked to sign in (API clients use keys instead).
  const mustSignIn = env.PUBLIC_SUBMISSIONS === "key" && !(await currentStaff());
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
        {env.PUBLIC_SUBMISSIONS === "off" ? (
          <p role="status">This server is not accepting new videos at the moment.</p>
        ) : mustSignIn ? (
          <p role="status">
            Uploads on this server need an account. <a href="/signin?callbackUrl=%2F">Sign in to upload a video</a>.
          </p>
        ) : (
          <UploadForm maxBytes={env.MAX_UPLOAD_BYTES} languages={[...languages]} detectsLanguage={detectsLanguage} />
        )}
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
