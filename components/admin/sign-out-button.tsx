"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      className="adm-link-button"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        // No redirect from next-auth: it would send the browser to NEXTAUTH_URL's host (e.g. 127.0.0.1 under
        // `npm start`), not the one the admin is using. A relative address stays on this origin.
        await signOut({ redirect: false }).catch(() => {});
        window.location.assign("/signin");
      }}
    >
      {pending ? "Signing out…" : "Sign out"}
    </button>
  );
}
