import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // NEXT_DIST_DIR lets parallel checkouts/test runs build without clobbering each other's output.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // The app image builds with NEXT_OUTPUT=standalone: .next/standalone then holds a server.js and only the
  // node_modules files the server imports (docker/Dockerfile). `npm start` and the tests keep `next start`,
  // which does not run a standalone build.
  ...(process.env.NEXT_OUTPUT === "standalone" ? { output: "standalone" as const } : {}),
  // `npm test` type-checks the whole repo once with `tsc --noEmit`; a second pass inside every build
  // would only cost time on 2 cores.
  typescript: { ignoreBuildErrors: true },
  // forbidden() (HTTP 403 + app/admin/forbidden.tsx) for a signed-in staff member whose role may not open a page.
  experimental: { authInterrupts: true },
  // Pages carry short-lived signed download URLs: keep them out of Referer headers sent elsewhere. Only
  // our own pages may frame the app (the console frames the queue board).
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "SAMEORIGIN" },
        ],
      },
    ];
  },
};

export default nextConfig;
