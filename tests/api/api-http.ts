import { beforeEach, expect } from "vitest";

// What every public API test needs: send a body exactly as given, and check the one public error shape.

/** POSTs `body` to `url`: a string is sent as is (so malformed JSON can be tested), anything else as JSON. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export interface PublicError {
  code: string;
  message: string;
  [extra: string]: unknown;
}

/** Asserts the response is `status` with a body of exactly `{ error: { code, message, … } }`; returns the error. */
export async function expectApiError(res: Response, status: number, code: string): Promise<PublicError> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: PublicError };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

/**
 * On a failed test, prints the tail of the app's log: a 500 says nothing public by design, so the cause is
 * only in the server's output. Call once per file, with the file's stack.
 */
export function showServerLogOnFailure(appOutput: () => string | undefined): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      console.error(`--- app log (last 4000 characters) ---\n${appOutput()?.slice(-4000) ?? "(no app)"}`);
    });
  });
}
