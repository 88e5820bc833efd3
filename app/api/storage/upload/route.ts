import { withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { receiveLocalUpload } from "@/lib/video/local-transfer";

export const runtime = "nodejs";

/** PUT target of the local storage driver's signed upload URLs (403 bad/expired signature, 411 no Content-Length, 413 too large). */
export const PUT = withApiErrors((request: Request) => receiveLocalUpload(appServices(), request));
