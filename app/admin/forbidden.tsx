import Link from "next/link";
import { currentStaff } from "@/lib/auth/session";

/** Shown with HTTP 403 when requireRole() refuses a signed-in staff member. */
export default async function Forbidden() {
  const user = await currentStaff();
  return (
    <section aria-labelledby="forbidden-title">
      <h1 id="forbidden-title">403 — Not allowed</h1>
      <p>
        {user ? `Your role (${user.role}) cannot open this page.` : "Your account cannot open this page."} Ask an
        administrator if you need access.
      </p>
      <p>
        <Link href="/admin">Back to the overview</Link>
      </p>
    </section>
  );
}
