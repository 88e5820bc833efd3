import { openApiDocument } from "@/lib/api/openapi";

export const runtime = "nodejs";

/** GET /api/openapi.json → the public API's OpenAPI 3.1 document (built from the routes' zod schemas). */
export function GET() {
  return Response.json(openApiDocument(), { headers: { "Cache-Control": "public, max-age=300" } });
}
