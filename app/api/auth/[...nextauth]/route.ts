import NextAuth from "next-auth";
import { errorResponse } from "@/lib/api/errors";
import { authOptions } from "@/lib/auth/auth-options";
import { inSignInLine, SignInLineFull } from "@/lib/auth/sign-in-line";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/** next-auth's endpoints (csrf, callback/credentials, session, signout), configured at request time. */
async function handler(request: Request, context: Context): Promise<Response> {
  const run = () => NextAuth(request as never, context, authOptions()) as Promise<Response>;
  const { nextauth } = await context.params;
  // Password sign-ins wait their turn, so a crowd of them cannot crowd out every other request.
  if (request.method !== "POST" || nextauth.join("/") !== "callback/credentials") return run();
  try {
    return await inSignInLine(run);
  } catch (error) {
    if (!(error instanceof SignInLineFull)) throw error;
    return errorResponse(503, "SERVICE_UNAVAILABLE", "Too many sign-ins at once; try again in a moment.");
  }
}

export { handler as GET, handler as POST };
