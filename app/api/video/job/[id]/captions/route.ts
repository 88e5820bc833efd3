import { ApiError, readJson, withApiErrors } from "@/lib/api/errors";
import { appServices } from "@/lib/app-services";
import { JOB_ADMINS, roleAllows } from "@/lib/auth/roles";
import { expectedOrigins, isSameOriginRequest } from "@/lib/auth/same-origin";
import { currentStaff } from "@/lib/auth/session";
import { appEnv } from "@/lib/env/app-env";
import { bearerToken } from "@/lib/jobs/manage-token";
import { type CaptionEditor, getJobCaptions, isJobSubmitter, putJobCaptions } from "@/lib/video/captions";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** GET /api/video/job/:id/captions → { version, cues: [{ start, end, text }], versions }. */
export const GET = withApiErrors(async (_request: Request, context: Context) => {
  const { id } = await context.params;
  return Response.json(await getJobCaptions(appServices(), id), { headers: { "Cache-Control": "no-store" } });
});

/**
 * PUT /api/video/job/:id/captions { version, cues } → 202 { id, status, version, statusUrl }: the job
 * re-renders the edited cues. Allowed to the submitter (Authorization: Bearer <manageToken>) and to admins
 * signed in to the console (same-origin requests only; audited).
 */
export const PUT = withApiErrors(async (request: Request, context: Context) => {
  const { id } = await context.params;
  const services = appServices();
  const body = await readJson(request);
  const result = await putJobCaptions(services, id, body, await captionEditor(request, id));
  return Response.json(result, { status: 202, headers: { Location: result.statusUrl } });
});

async function captionEditor(request: Request, id: string): Promise<CaptionEditor> {
  const token = bearerToken(request.headers);
  if (token) {
    if (await isJobSubmitter(appServices(), id, token)) return { kind: "submitter" };
    throw new ApiError("FORBIDDEN", "This token does not manage this job.");
  }
  const staff = await currentStaff();
  if (!staff) throw new ApiError("UNAUTHORIZED", "Send the job's manage token (Authorization: Bearer) to edit.");
  if (!roleAllows(JOB_ADMINS, staff.role))
    throw new ApiError("FORBIDDEN", `The ${staff.role} role may not edit captions.`);
  const env = appEnv();
  if (!isSameOriginRequest(request.headers, expectedOrigins(request.headers, [env.APP_URL, env.NEXTAUTH_URL]))) {
    throw new ApiError("FORBIDDEN", "Cross-site request refused: edit from the admin console.");
  }
  return { kind: "admin", userId: staff.id, email: staff.email };
}
