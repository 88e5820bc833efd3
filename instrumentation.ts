// Runs once when the Next.js server starts: a bad environment stops the app with one clear line
// instead of failing on the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { appEnv } = await import("./lib/env/app-env");
  const { exitOnEnvError } = await import("./lib/env/parse-env");
  // Before the first request: the sign-in limit and the per-IP API limits need the socket's address,
  // which route handlers cannot see (lib/api/client-ip.ts).
  const { recordPeerAddresses } = await import("./lib/api/client-ip");
  recordPeerAddresses();
  try {
    appEnv();
  } catch (error) {
    exitOnEnvError(error);
  }
}
