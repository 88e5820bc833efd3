import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import styles from "@/components/job/job.module.css";
import { JobView } from "@/components/job/job-view";
import { ApiError } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { publicOrigin } from "@/lib/public-origin";
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
  const services = appServices();
  const job = await getPublicJob(services, id, publicOrigin(await headers(), services.env)).catch((error: unknown) => {
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
