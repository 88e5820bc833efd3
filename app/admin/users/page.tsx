import type { Metadata } from "next";
import { ActionButton } from "@/components/admin/action-button";
import { formatDateTime } from "@/lib/admin/formatting";
import { appServices } from "@/lib/app-services";
import { ACCOUNT_ADMINS } from "@/lib/auth/roles";
import { requireRole } from "@/lib/auth/session";
import { ACCOUNT_LIMIT } from "@/lib/auth/sign-in-throttle";
import { appSignInThrottle, listStaffAccounts } from "@/lib/auth/staff-accounts";

export const metadata: Metadata = { title: "Accounts" };
export const dynamic = "force-dynamic";

/** Staff accounts and their sign-in state; an admin lifts a cool-down here (or with `npm run user:unlock`). */
export default async function AccountsPage() {
  await requireRole(ACCOUNT_ADMINS, "/admin/users");
  const services = appServices();
  const accounts = await listStaffAccounts(services.db, appSignInThrottle(services));
  return (
    <>
      <h1>Accounts</h1>
      <p>
        After {ACCOUNT_LIMIT.points} failed sign-ins within {ACCOUNT_LIMIT.windowSec / 60} minutes an account is refused
        for {ACCOUNT_LIMIT.coolDownSec / 60} minutes. Add or change accounts with <code>npm run user:create</code>.
      </p>
      <div className="adm-table-wrap">
        <table className="adm-table">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Sign-in</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((account) => (
              <tr key={account.id}>
                <td>{account.email}</td>
                <td>{account.role}</td>
                <td className="adm-nowrap">{formatDateTime(account.createdAt)}</td>
                <td>
                  {account.lockedForSec > 0 ? (
                    <>
                      {`Locked for ${Math.ceil(account.lockedForSec / 60)} more min `}
                      <ActionButton
                        endpoint={`/api/admin/users/${account.id}/unlock`}
                        label="Unlock"
                        question={`Let ${account.email} sign in again now?`}
                        confirmLabel="Unlock"
                        pendingLabel="Unlocking…"
                      />
                    </>
                  ) : (
                    "Allowed"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
