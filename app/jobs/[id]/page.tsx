import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import styles from "@/components/job/job.module.css";
import { JobView } from "@/components/job/job-view";
import { ApiError } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { getPublicJob } from "@/lib/video/job-status";

export const dynamic = "force-dynamic";

/** The tab names the job, so several open jobs can be told apart. */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Job ${id} · Captioner`, robots: { index: false } };
}

/** /jobs/:id — bookmarkable: the first state is rendered here, then the page polls the public API. */
export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const job = await getPublicJob(appServices(), id, await requestOrigin()).catch((error: unknown) => {
    if (error instanceof ApiError && error.code === "JOB_NOT_FOUND") notFound();
    throw error;
  });
  return (
    <main className={styles.page}>
      <a className={styles.back} href="/">
        ← Caption another video
      </a>
      <JobView initialJob={job} />
    </main>
  );
}

/** The origin the browser used, for download links when APP_URL is not set (as the API routes do). */
async function requestOrigin(): Promise<string> {
  const list = await headers();
  const host = list.get("x-forwarded-host") ?? list.get("host") ?? "localhost";
  const proto = list.get("x-forwarded-proto") ?? "http";
  return `${proto}://${host}`;
}
