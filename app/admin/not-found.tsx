import Link from "next/link";

export default function NotFound() {
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title">Not found</h1>
      <p>There is no such page or job. Job ids look like job_ followed by 22 letters, digits, - and _.</p>
      <p>
        <Link href="/admin/jobs">Go to the job list</Link>
      </p>
    </section>
  );
}
