import { withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { serveLocalDownload } from "@/lib/video/local-transfer";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET/HEAD target of the local storage driver's signed download URLs (Range requests supported). */
export const GET = withApiErrors((request: Request) => serveLocalDownload(appServices(), request));
export const HEAD = GET;
