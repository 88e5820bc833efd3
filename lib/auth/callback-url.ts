/**
 * Where to go after signing in: only a path on this site. Anything else (another host, `//evil.example`,
 * `/\evil.example`, `javascript:`) falls back to the console, so the sign-in page is no open redirect.
 */
export function safeCallbackPath(value: string | string[] | undefined | null, fallback = "/admin"): string {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw?.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return fallback;
  try {
    const url = new URL(raw, "http://placeholder.invalid");
    if (url.origin !== "http://placeholder.invalid") return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}
