import { expect } from "vitest";
import { newJobId } from "../../lib/ids";
import type { Stack } from "../support/stack";

// Signs staff in over HTTP exactly like a browser does, and builds job rows in every state for the
// console suites.

/** `name=value` pairs of every Set-Cookie header of a response. */
function cookiePairs(response: Response): string[] {
  return response.headers.getSetCookie().map((line) => line.split(";")[0] ?? "");
}

/**
 * GET /api/auth/csrf → POST /api/auth/callback/credentials (csrfToken, email, password, with the csrf
 * cookie) → the session cookie. Returns the Cookie header of the signed-in browser, or null when refused.
 */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string | null> {
  return (await signInAttempt(baseUrl, email, password)).cookie;
}

/**
 * One sign-in as the browser sends it; `error` is the code next-auth redirects the form to when refused
 * (`CredentialsSignin`, `SignInThrottled:<seconds>`…). `headers` are added to the POST.
 */
export async function signInAttempt(
  baseUrl: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ cookie: string | null; error: string | null }> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  expect(csrf.status).toBe(200);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiePairs(csrf);
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password }),
  });
  expect(response.status).toBe(302);
  const session = cookiePairs(response).find((pair) => pair.startsWith("next-auth.session-token="));
  const error = new URL(response.headers.get("location") ?? "/", baseUrl).searchParams.get("error");
  return { cookie: session ? [...jar, session].join("; ") : null, error };
}

/** Signs out as the console's button does (csrf token + POST /api/auth/signout with the session cookie). */
export async function signOut(baseUrl: string, cookie: string): Promise<void> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = [cookie, ...cookiePairs(csrf)].join("; ");
  const response = await fetch(`${baseUrl}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
    body: new URLSearchParams({ csrfToken }),
  });
  expect(response.status).toBe(302);
}

/** A same-origin POST, as the console's buttons send it (the browser adds Origin and Sec-Fetch-Site). */
export function adminPost(
  stack: Stack,
  path: string,
  cookie: string | null,
  headers: Record<string, string> = { origin: stack.baseUrl },
): Promise<Response> {
  return fetch(`${stack.baseUrl}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, ...(cookie ? { cookie } : {}) },
  });
}

export const STDERR_MARKER = "[libx264 @ 0x55d] broken pipe while writing frame 42";

/** A job row in `status` as the worker leaves it (failed ones carry an error detail with a stderr tail). */
export async function makeJobRow(
  stack: Stack,
  status: "queued" | "processing" | "completed" | "failed" | "canceled",
  extra: { errorCode?: string; originalFilename?: string } = {},
): Promise<string> {
  const id = newJobId();
  const failed = status === "failed";
  await stack.db.job.create({
    data: {
      id,
      status,
      inputKey: `uploads/fixture/${id}.mp4`,
      originalFilename: extra.originalFilename ?? "fixture.mp4",
      inputSize: 1234n,
      contentType: "video/mp4",
      options: { burnIn: true },
      phase: status === "processing" ? "rendering" : null,
      progress: status === "completed" ? 100 : status === "processing" ? 60 : 0,
      attempts: status === "queued" ? 0 : failed ? 3 : 1,
      ...(failed
        ? {
            errorCode: extra.errorCode ?? "RENDER_FAILED",
            errorMessage: "Rendering the captions into the video failed.",
            errorDetail: { stage: "rendering", attempt: 3, maxAttempts: 3, stderrTail: STDERR_MARKER },
            finishedAt: new Date(),
          }
        : {}),
      ...(status === "completed" ? { finishedAt: new Date(), processingMs: 4200 } : {}),
      events: { create: { type: "queued", message: "Job created" } },
    },
  });
  return id;
}
