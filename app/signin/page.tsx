import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/admin/sign-in-form";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { currentStaff } from "@/lib/auth/session";
import "@/components/admin/admin.css";

export const metadata: Metadata = { title: "Sign in · Captioner admin" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const query = await searchParams;
  const callbackPath = safeCallbackPath(query.callbackUrl);
  if (await currentStaff()) redirect(callbackPath);
  const error = typeof query.error === "string" ? query.error : undefined;
  return (
    <main className="adm-signin">
      <h1>Sign in to Captioner admin</h1>
      <SignInForm callbackPath={callbackPath} initialError={error} />
    </main>
  );
}
