import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // NEXT_DIST_DIR lets parallel checkouts/test runs build without clobbering each other's output.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // `npm test` type-checks the whole repo once with `tsc --noEmit`; a second pass inside every build
  // would only cost time on 2 cores.
  typescript: { ignoreBuildErrors: true },
  // forbidden() (HTTP 403 + app/admin/forbidden.tsx) for a signed-in staff member whose role may not open a page.
  experimental: { authInterrupts: true },
};

export default nextConfig;
