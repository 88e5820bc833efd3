"use client";

import { signIn } from "next-auth/react";
import { type FormEvent, useEffect, useState } from "react";

const MESSAGES: Record<string, string> = {
  CredentialsSignin: "The email or the password is not right.",
  SessionRequired: "Sign in to continue.",
  SignInUnavailable: "Signing in is unavailable right now; try again in a moment.",
};

/**
 * What to tell the user for next-auth's error code. `SignInThrottled:<seconds>` (lib/auth/auth-options.ts)
 * says how long the cool-down still lasts (a duration, not a clock time: server and browser may not
 * share a time zone, and the server renders the message too).
 */
export function signInErrorMessage(code: string): string {
  const throttled = /^SignInThrottled:(\d+)$/.exec(code);
  if (throttled) {
    const seconds = Number(throttled[1]);
    const wait = seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
    return `Too many failed sign-ins. Try again in ${wait}, or ask an admin to unlock the account.`;
  }
  return MESSAGES[code] ?? "Signing in failed; try again.";
}

/** Email + password against next-auth's credentials endpoint; on success, a full load of `callbackPath`. */
export function SignInForm({ callbackPath, initialError }: { callbackPath: string; initialError?: string }) {
  const [error, setError] = useState<string | null>(initialError ? signInErrorMessage(initialError) : null);
  const [pending, setPending] = useState(false);
  // Until the script runs, a click would submit the form natively — as a GET, with the password in the
  // address bar, the history and the server's logs. The button waits for the script; the form posts.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    try {
      const result = await signIn("credentials", {
        email: String(form.get("email") ?? ""),
        password: String(form.get("password") ?? ""),
        redirect: false,
      });
      if (result?.ok && !result.error) {
        // A full load, so the server components see the new session cookie from the first byte.
        window.location.assign(callbackPath);
        return;
      }
      setError(signInErrorMessage(result?.error ?? ""));
    } catch {
      setError("The server could not be reached; try again.");
    }
    setPending(false);
  }

  return (
    <form method="post" onSubmit={(event) => void submit(event)} aria-describedby={error ? "signin-error" : undefined}>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error && (
        <p id="signin-error" className="adm-alert" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="adm-button" disabled={pending || !ready} aria-busy={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
