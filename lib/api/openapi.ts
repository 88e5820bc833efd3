import { z } from "zod";
import { API_KEY_SCOPES } from "../api-keys/api-keys";
import { publicJobSchema } from "../video/job-status";
import { processAcceptedSchema, processRequestSchema } from "../video/process";
import { uploadRequestSchema, uploadTicketSchema } from "../video/upload";
import { WEBHOOK_EVENTS } from "../webhooks/contract";
import { createdWebhookSchema, registerWebhookSchema, webhookEndpointSchema } from "../webhooks/endpoints";
import { API_ERRORS, type ApiErrorCode, apiErrorBodySchema } from "./errors";

// The public API's OpenAPI 3.1 document, generated from the zod schemas the routes validate requests with
// and type their answers with (zod 4's own JSON Schema output, draft 2020-12 — OpenAPI 3.1's dialect).
// tests/api/openapi.test.ts calls every operation and checks the answers against this document.

type Io = "input" | "output";

/** One schema as JSON Schema, inlined (zod puts a schema with an id under $defs and refers to it). */
function jsonSchema(schema: z.ZodType, io: Io): Record<string, unknown> {
  const { $schema: _dialect, ...out } = z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  const ref = typeof out.$ref === "string" ? out.$ref.split("/").pop() : undefined;
  const defs = out.$defs as Record<string, Record<string, unknown>> | undefined;
  if (ref && defs?.[ref] && Object.keys(defs).length === 1) return defs[ref];
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { "application/json": { schema } } });

/** Error responses, by status, each listing the codes it can carry. */
function errors(codes: ApiErrorCode[]) {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) byStatus.set(API_ERRORS[code], [...(byStatus.get(API_ERRORS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      { description: list.join(", "), ...json(ref("Error")), ...(status === 429 ? { headers: retryHeaders } : {}) },
    ]),
  );
}

const rateLimitHeaders = {
  "RateLimit-Limit": { schema: { type: "integer" }, description: "Requests allowed in the window." },
  "RateLimit-Remaining": { schema: { type: "integer" }, description: "Requests left in the window." },
  "RateLimit-Reset": { schema: { type: "integer" }, description: "Seconds until the window resets." },
};
const retryHeaders = {
  ...rateLimitHeaders,
  "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait before trying again." },
};

const AUTH_ERRORS: ApiErrorCode[] = [
  "INVALID_API_KEY",
  "API_KEY_REQUIRED",
  "SUBMISSIONS_DISABLED",
  "INSUFFICIENT_SCOPE",
];
const BODY_ERRORS: ApiErrorCode[] = ["INVALID_JSON", "VALIDATION_ERROR", "PAYLOAD_TOO_LARGE"];

export function openApiDocument(): Record<string, unknown> {
  const security = [{ apiKey: [] }, {}];
  return {
    openapi: "3.1.0",
    info: {
      title: "Captioner API",
      version: "1",
      description:
        "Upload a video, caption it, get the result. Errors are `{ error: { code, message } }`; the codes and " +
        "their HTTP statuses are listed on the `Error` schema. Webhooks are signed per Standard Webhooks.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: `An API key (cap_…) from the admin console or \`npm run apikey:create\`. Scopes: ${API_KEY_SCOPES.join(", ")}.`,
        },
      },
      schemas: {
        UploadRequest: jsonSchema(uploadRequestSchema, "input"),
        UploadTicket: jsonSchema(uploadTicketSchema, "output"),
        ProcessRequest: jsonSchema(processRequestSchema, "input"),
        ProcessAccepted: jsonSchema(processAcceptedSchema, "output"),
        Job: jsonSchema(publicJobSchema, "output"),
        WebhookRequest: jsonSchema(registerWebhookSchema, "input"),
        WebhookEndpoint: jsonSchema(webhookEndpointSchema, "output"),
        CreatedWebhookEndpoint: jsonSchema(createdWebhookSchema, "output"),
        WebhookList: {
          type: "object",
          properties: { data: { type: "array", items: ref("WebhookEndpoint") } },
          required: ["data"],
          additionalProperties: false,
        },
        Error: {
          ...jsonSchema(apiErrorBodySchema, "output"),
          description: `Error codes and statuses: ${Object.entries(API_ERRORS)
            .map(([code, status]) => `${code} ${status}`)
            .join(", ")}.`,
        },
      },
    },
    paths: {
      "/api/video/upload": {
        post: {
          operationId: "createUpload",
          summary: "Get a signed URL to upload a video to",
          security,
          requestBody: { required: true, ...json(ref("UploadRequest")) },
          responses: {
            "201": {
              description: "PUT the file to uploadUrl with headers.",
              headers: rateLimitHeaders,
              ...json(ref("UploadTicket")),
            },
            ...errors([...BODY_ERRORS, ...AUTH_ERRORS, "UPLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "RATE_LIMITED"]),
          },
        },
      },
      "/api/video/process": {
        post: {
          operationId: "processVideo",
          summary: "Caption an uploaded video",
          security,
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              schema: { type: "string", maxLength: 255 },
              description: "The same key with the same body within 24 h answers with the same job.",
            },
          ],
          requestBody: { required: true, ...json(ref("ProcessRequest")) },
          responses: {
            "202": {
              description: "Queued; poll statusUrl or wait for a webhook.",
              headers: rateLimitHeaders,
              ...json(ref("ProcessAccepted")),
            },
            ...errors([
              ...BODY_ERRORS,
              ...AUTH_ERRORS,
              "INPUT_NOT_FOUND",
              "IDEMPOTENCY_CONFLICT",
              "RATE_LIMITED",
              "QUEUE_UNAVAILABLE",
              "DATABASE_UNAVAILABLE",
            ]),
          },
        },
      },
      "/api/video/job/{id}": {
        get: {
          operationId: "getJob",
          summary: "A job's status, progress, error and download URLs (SRT, WebVTT, MP4)",
          security,
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", pattern: "^job_" } }],
          responses: {
            "200": { description: "The job.", ...json(ref("Job")) },
            ...errors(["INVALID_API_KEY", "JOB_NOT_FOUND", "DATABASE_UNAVAILABLE"]),
          },
        },
      },
      "/api/webhooks": {
        post: {
          operationId: "createWebhook",
          summary: `Register a webhook endpoint for this key's jobs (events: ${WEBHOOK_EVENTS.join(", ")})`,
          security: [{ apiKey: [] }],
          requestBody: { required: true, ...json(ref("WebhookRequest")) },
          responses: {
            "201": { description: "The secret is shown only this once.", ...json(ref("CreatedWebhookEndpoint")) },
            ...errors([...BODY_ERRORS, "INVALID_API_KEY", "API_KEY_REQUIRED", "INSUFFICIENT_SCOPE", "CONFLICT"]),
          },
        },
        get: {
          operationId: "listWebhooks",
          summary: "This key's webhook endpoints (without secrets)",
          security: [{ apiKey: [] }],
          responses: {
            "200": { description: "The endpoints.", ...json(ref("WebhookList")) },
            ...errors(["INVALID_API_KEY", "API_KEY_REQUIRED", "INSUFFICIENT_SCOPE"]),
          },
        },
      },
      "/api/webhooks/{id}": {
        delete: {
          operationId: "deleteWebhook",
          summary: "Delete one of this key's webhook endpoints",
          security: [{ apiKey: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "204": { description: "Deleted." },
            ...errors(["INVALID_API_KEY", "API_KEY_REQUIRED", "INSUFFICIENT_SCOPE", "NOT_FOUND"]),
          },
        },
      },
    },
  };
}
