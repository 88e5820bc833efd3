// Runs once when the Next.js server starts: a bad environment stops the app with one clear line
// instead of failing on the first request.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { appEnv } = await import("./lib/env/app-env");
  const { exitOnEnvError } = await import("./lib/env/parse-env");
  const { recordPeerAddresses } = await import("./lib/auth/client-address");
  // Before the first request: the sign-in limit per client needs the real peer address (see that module).
  await recordPeerAddresses();
  try {
    appEnv();
  } catch (error) {
    exitOnEnvError(error);
  }
}
