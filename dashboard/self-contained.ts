import type { NextFunction, Request, Response } from "express";

// Bull Board's page links Google Fonts (IBM Plex). The console loads nothing from another host — a visitor's
// address is not handed to a third party, a strict Content-Security-Policy holds, and an offline network
// shows no stalled request — so the link goes and the board's CSS falls back to its system sans-serif.
const EXTERNAL_STYLESHEET = /<link\b[^>]*\bhref="https?:\/\/[^"]*"[^>]*>\s*/gi;

/** Removes stylesheet links to other hosts from the HTML the board sends. */
export function withoutExternalAssets(_req: Request, res: Response, next: NextFunction): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    const html = typeof body === "string" && /^\s*<!doctype html/i.test(body);
    return send(html ? body.replace(EXTERNAL_STYLESHEET, "") : body);
  };
  next();
}
