import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AdminNav, type NavLink } from "@/components/admin/admin-nav";
import { SignOutButton } from "@/components/admin/sign-out-button";
import { ACCOUNT_ADMINS, API_KEY_ADMINS, JOB_ADMINS, QUEUE_BOARD_READERS, roleAllows } from "@/lib/auth/roles";
import { currentStaff } from "@/lib/auth/session";
import "@/components/admin/admin.css";

export const metadata: Metadata = { title: { default: "Captioner admin", template: "%s · Captioner admin" } };
export const dynamic = "force-dynamic";

/**
 * The console's frame: any staff session may see it. Each page checks its own role again (a layout is
 * not re-run on every client navigation, so it can never be the only check).
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const user = await currentStaff();
  if (!user) redirect("/signin?callbackUrl=%2Fadmin");
  const links: NavLink[] = [
    { href: "/admin", label: "Overview" },
    { href: "/admin/jobs", label: "Jobs" },
    ...(roleAllows(QUEUE_BOARD_READERS, user.role) ? [{ href: "/admin/queues", label: "Queues" }] : []),
    ...(roleAllows(API_KEY_ADMINS, user.role)
      ? [
          { href: "/admin/api-keys", label: "API keys" },
          { href: "/admin/webhooks", label: "Webhooks" },
        ]
      : []),
    ...(roleAllows(JOB_ADMINS, user.role) ? [{ href: "/admin/audit", label: "Audit log" }] : []),
    ...(roleAllows(ACCOUNT_ADMINS, user.role) ? [{ href: "/admin/users", label: "Accounts" }] : []),
  ];
  return (
    <div className="adm">
      <a className="adm-skip" href="#main">
        Skip to content
      </a>
      <header className="adm-header">
        <Link className="adm-brand" href="/admin">
          Captioner admin
        </Link>
        <AdminNav links={links} />
        <div className="adm-user">
          <span>
            {user.email} <span className="adm-badge">{user.role}</span>
          </span>
          <SignOutButton />
        </div>
      </header>
      <main id="main" className="adm-main">
        {children}
      </main>
    </div>
  );
}
