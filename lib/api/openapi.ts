import { z } from "zod";
import { API_KEY_SCOPES } from "../api-keys/api-keys";
import { captionsPutSchema } from "../video/captions";
import { publicJobSchema } from "../video/job-status";
import { completeRequestSchema } from "../video/multipart-upload";
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

const jobIdParameter = { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^job_" } };
const uploadIdParameter = { name: "id", in: "path", required: true, schema: { type: "string" } };

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
        UploadPlan: {
          type: "object",
          description: "A multipart upload: PUT each part to its url (any order, in parallel), then POST completeUrl.",
          properties: {
            key: { type: "string" },
            uploadId: { type: "string" },
            status: { type: "string", enum: ["open", "completing", "completed", "aborted"] },
            size: { type: "integer" },
            partSize: { type: "integer" },
            partCount: { type: "integer" },
            parts: {
              type: "array",
              description: "URLs for the parts not stored yet.",
              items: {
                type: "object",
                properties: {
                  partNumber: { type: "integer" },
                  url: { type: "string" },
                  headers: { type: "object", additionalProperties: { type: "string" } },
                },
                required: ["partNumber", "url"],
              },
            },
            uploadedParts: {
              type: "array",
              items: {
                type: "object",
                properties: { partNumber: { type: "integer" }, etag: { type: "string" }, size: { type: "integer" } },
                required: ["partNumber"],
              },
            },
            completeUrl: { type: "string" },
            abortUrl: { type: "string" },
            statusUrl: { type: "string" },
            expiresAt: {
              type: "string",
              description: "When the part URLs stop working: GET statusUrl for fresh ones.",
            },
            planExpiresAt: { type: "string", description: "When an unfinished upload is given up." },
          },
          required: [
            "key",
            "uploadId",
            "size",
            "partSize",
            "partCount",
            "parts",
            "completeUrl",
            "abortUrl",
            "expiresAt",
          ],
        },
        UploadAnswer: { oneOf: [ref("UploadTicket"), ref("UploadPlan")] },
        UploadComplete: jsonSchema(completeRequestSchema, "input"),
        UploadCompleted: {
          type: "object",
          properties: { key: { type: "string" }, size: { type: "integer" }, status: { const: "completed" } },
          required: ["key", "size", "status"],
          additionalProperties: false,
        },
        Capabilities: {
          type: "object",
          description: "What the configured speech recogniser can do; process refuses other languages.",
          properties: {
            backend: { type: "string" },
            model: { type: "string" },
            languages: { type: "array", items: { type: "string" } },
            detectsLanguage: { type: "boolean" },
            wordTiming: { type: "string", enum: ["native", "aligned"] },
            translation: { type: "boolean" },
            punctuation: { type: "string", enum: ["native", "guessed"] },
          },
          required: ["backend", "model", "languages", "detectsLanguage", "wordTiming", "translation", "punctuation"],
          additionalProperties: false,
        },
        Captions: {
          type: "object",
          properties: {
            version: { type: "integer" },
            cues: {
              type: "array",
              items: {
                type: "object",
                properties: { start: { type: "number" }, end: { type: "number" }, text: { type: "string" } },
                required: ["start", "end", "text"],
              },
            },
            versions: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  version: { type: "integer" },
                  source: { type: "string" },
                  createdAt: { type: "string" },
                  rendered: { type: "boolean" },
                },
                required: ["version", "source", "createdAt", "rendered"],
              },
            },
          },
          required: ["version", "cues", "versions"],
        },
        CaptionsEdit: jsonSchema(captionsPutSchema, "input"),
        CaptionsAccepted: {
          type: "object",
          properties: {
            id: { type: "string" },
            status: { type: "string" },
            version: { type: "integer" },
            statusUrl: { type: "string" },
          },
          required: ["id", "status", "version", "statusUrl"],
        },
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
              description:
                'PUT the file to uploadUrl with headers; with multipart (true, or "auto" above the server\'s threshold) a plan of part URLs.',
              headers: rateLimitHeaders,
              ...json(ref("UploadAnswer")),
            },
            ...errors([...BODY_ERRORS, ...AUTH_ERRORS, "UPLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "RATE_LIMITED"]),
          },
        },
      },
      "/api/video/upload/{id}": {
        get: {
          operationId: "getUpload",
          summary: "A multipart upload's stored parts and fresh URLs for the rest (resume after a drop or a reload)",
          parameters: [uploadIdParameter],
          responses: {
            "200": { description: "The plan.", ...json(ref("UploadPlan")) },
            ...errors(["UPLOAD_NOT_FOUND", "UPLOAD_EXPIRED", "UPLOAD_ABORTED"]),
          },
        },
        delete: {
          operationId: "abortUpload",
          summary: "Abort a multipart upload and free its parts",
          parameters: [uploadIdParameter],
          responses: {
            "204": { description: "Aborted." },
            ...errors(["UPLOAD_NOT_FOUND", "INVALID_STATE"]),
          },
        },
      },
      "/api/video/upload/{id}/complete": {
        post: {
          operationId: "completeUpload",
          summary: "Assemble a multipart upload from its parts (every part, with the ETag its PUT answered)",
          parameters: [uploadIdParameter],
          requestBody: { required: true, ...json(ref("UploadComplete")) },
          responses: {
            "200": {
              description: "The object exists under key: pass it to POST /api/video/process.",
              ...json(ref("UploadCompleted")),
            },
            ...errors([
              ...BODY_ERRORS,
              "UPLOAD_NOT_FOUND",
              "UPLOAD_EXPIRED",
              "UPLOAD_ABORTED",
              "PART_MISSING",
              "PART_ETAG_MISMATCH",
              "PART_SIZE_MISMATCH",
              "INVALID_STATE",
            ]),
          },
        },
      },
      "/api/capabilities": {
        get: {
          operationId: "getCapabilities",
          summary: "What the speech recogniser can do: the languages process accepts, detection, timing",
          responses: { "200": { description: "The capabilities.", ...json(ref("Capabilities")) } },
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
          summary: "A job's status, progress, error and download URLs (MP4, SRT, WebVTT, JPEG thumbnail)",
          security,
          parameters: [jobIdParameter],
          responses: {
            "200": { description: "The job.", ...json(ref("Job")) },
            ...errors(["INVALID_API_KEY", "JOB_NOT_FOUND", "DATABASE_UNAVAILABLE"]),
          },
        },
      },
      "/api/video/job/{id}/captions": {
        get: {
          operationId: "getCaptions",
          summary: "A job's captions as editable cues, with every version",
          parameters: [jobIdParameter],
          responses: {
            "200": { description: "The captions.", ...json(ref("Captions")) },
            ...errors(["JOB_NOT_FOUND", "INVALID_STATE", "JOB_EXPIRED"]),
          },
        },
        put: {
          operationId: "editCaptions",
          summary: "Save edited cues as the next version; the job re-renders them without recognition",
          description:
            "Authorization: Bearer <manageToken> from POST /api/video/process (or an admin's console session).",
          parameters: [jobIdParameter],
          requestBody: { required: true, ...json(ref("CaptionsEdit")) },
          responses: {
            "202": { description: "Queued for rendering.", ...json(ref("CaptionsAccepted")) },
            ...errors([
              ...BODY_ERRORS,
              "UNAUTHORIZED",
              "FORBIDDEN",
              "JOB_NOT_FOUND",
              "CONFLICT",
              "INVALID_STATE",
              "INPUT_EXPIRED",
              "JOB_EXPIRED",
              "QUEUE_UNAVAILABLE",
            ]),
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
