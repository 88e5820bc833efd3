import { withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { receiveLocalPart } from "@/lib/video/local-transfer";

export const runtime = "nodejs";

/** PUT target of the local driver's signed part URLs → 200 with the part's ETag (403 bad signature, 404 upload gone). */
export const PUT = withApiErrors((request: Request) => receiveLocalPart(appServices(), request));
