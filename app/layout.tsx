import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Captioner",
  description: "Upload a video, get it back with its speech captioned.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

/** Every page renders per request: each response carries a fresh CSP nonce (middleware.ts) on its scripts. */
export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
