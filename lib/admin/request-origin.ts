import { headers } from "next/headers";

/**
 * The origin the browser used to reach us, for absolute links (the local storage driver's download URLs).
 * APP_URL wins when set: behind a proxy the Host header may be an internal name.
 */
export async function requestOrigin(appUrl: string | undefined): Promise<string> {
  if (appUrl) return new URL(appUrl).origin;
  const list = await headers();
  const host = list.get("x-forwarded-host") ?? list.get("host") ?? "127.0.0.1";
  const proto = list.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? "http";
  return `${proto}://${host}`;
}
