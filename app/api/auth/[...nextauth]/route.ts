import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/auth-options";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

/** next-auth's endpoints (csrf, callback/credentials, session, signout), configured at request time. */
function handler(request: Request, context: Context): Promise<Response> {
  return NextAuth(request as never, context, authOptions());
}

export { handler as GET, handler as POST };
