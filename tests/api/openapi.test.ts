import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../lib/api-keys/api-keys";
import { type Stack, startStack } from "../support/stack";
import { showServerLogOnFailure } from "./api-http";
import { uploadBytes } from "./uploaded";

// The OpenAPI document against the running app, both ways: every public route file is documented with
// the methods it exports, and every documented operation is called — its answers (success and errors) must
// have a documented status, a body valid against the document's schema, and an error code listed for it.

const ROOT = path.resolve(import.meta.dirname, "../..");
/** Route folders that are not the public API (console, sign-in, storage URLs, ops). */
const NOT_PUBLIC = ["admin", "auth", "storage", "health", "openapi.json"];

interface Operation {
  operationId: string;
  responses: Record<string, { description: string; content?: { "application/json": { schema: unknown } } }>;
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

let stack: Stack;
let doc: Doc;
let ajv: Ajv2020;
let key: string;
const called = new Set<string>();

beforeAll(async () => {
  stack = await startStack({ worker: false, env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
  ({ key } = await createApiKey(stack.db, { name: "openapi" }));
  const res = await fetch(`${stack.baseUrl}/api/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
  ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
  ajv.addSchema(doc, "openapi");
});
afterAll(async () => {
  await stack?.stop();
});
showServerLogOnFailure(() => stack?.app.output());

/** Calls a documented operation and checks the answer against the document. */
async function call(
  method: string,
  docPath: string,
  url: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const operation = doc.paths[docPath]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${docPath} is not in the document`);
  called.add(operation.operationId);
  const res = await fetch(`${stack.baseUrl}${url}`, {
    method,
    headers: { "content-type": "application/json", ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const documented = operation.responses[String(res.status)];
  expect(documented, `${method} ${docPath} answered ${res.status}, which is not documented: ${text}`).toBeDefined();
  const schema = documented?.content?.["application/json"]?.schema as { $ref?: string } | undefined;
  if (!schema) {
    expect(text).toBe("");
    return { status: res.status, body: null };
  }
  const body = JSON.parse(text) as { error?: { code: string } };
  const validate = ajv.compile({ $ref: `openapi${schema.$ref}` });
  expect(validate(body), `${method} ${docPath} ${res.status}: ${ajv.errorsText(validate.errors)}\n${text}`).toBe(true);
  if (res.status >= 400) expect(documented?.description.split(", ")).toContain(body.error?.code);
  return { status: res.status, body };
}

/** The public route files and the methods they export, as OpenAPI paths (`[id]` → `{id}`). */
function publicRoutes(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry === "route.ts") {
        const route = `/${path.relative(path.join(ROOT, "app"), dir)}`.replace(/\[(\w+)\]/g, "{$1}");
        for (const [, method] of readFileSync(full, "utf8").matchAll(
          /export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b/g,
        )) {
          found.push(`${method?.toLowerCase()} ${route}`);
        }
      }
    }
  };
  for (const entry of readdirSync(path.join(ROOT, "app/api"))) {
    if (!NOT_PUBLIC.includes(entry)) walk(path.join(ROOT, "app/api", entry));
  }
  return found.sort();
}

describe("GET /api/openapi.json", () => {
  it("is OpenAPI 3.1 and documents exactly the public route files and their methods", () => {
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths)
      .flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`))
      .sort();
    expect(documented).toEqual(publicRoutes());
  });

  it("the docs page shows every operation", async () => {
    const html = await (await fetch(`${stack.baseUrl}/docs/api`)).text();
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) expect(html).toContain(`${method.toUpperCase()} ${p}`);
    }
  });
});

describe("every documented operation answers as documented", () => {
  const auth = () => ({ authorization: `Bearer ${key}` });

  it("upload", async () => {
    const ok = { filename: "a.mp4", contentType: "video/mp4", size: 100 };
    expect((await call("POST", "/api/video/upload", "/api/video/upload", { body: ok, headers: auth() })).status).toBe(
      201,
    );
    for (const [body, status] of [
      [{ ...ok, size: "big" }, 400],
      [{ ...ok, contentType: "text/plain" }, 415],
      [{ ...ok, size: 10 * 1024 ** 4 }, 413],
    ] as const) {
      expect((await call("POST", "/api/video/upload", "/api/video/upload", { body })).status).toBe(status);
    }
    const badKey = { authorization: `Bearer cap_${"x".repeat(43)}` };
    expect((await call("POST", "/api/video/upload", "/api/video/upload", { body: ok, headers: badKey })).status).toBe(
      401,
    );
  });

  let jobId: string;
  it("process and job", async () => {
    const uploaded = await uploadBytes(stack.baseUrl);
    const accepted = await call("POST", "/api/video/process", "/api/video/process", { body: { key: uploaded } });
    expect(accepted.status).toBe(202);
    jobId = (accepted.body as { id: string }).id;
    const missing = { key: "uploads/AAAAAAAAAAAAAAAAAAAAAA/missing.mp4" };
    expect((await call("POST", "/api/video/process", "/api/video/process", { body: missing })).status).toBe(404);
    expect((await call("POST", "/api/video/process", "/api/video/process", { body: { nope: 1 } })).status).toBe(400);

    expect((await call("GET", "/api/video/job/{id}", `/api/video/job/${jobId}`)).status).toBe(200);
    expect((await call("GET", "/api/video/job/{id}", "/api/video/job/job_AAAAAAAAAAAAAAAAAAAAAA")).status).toBe(404);
  });

  it("webhooks", async () => {
    const hook = { url: "http://127.0.0.1:9/hook", events: ["job.completed"] };
    const created = await call("POST", "/api/webhooks", "/api/webhooks", { body: hook, headers: auth() });
    expect(created.status).toBe(201);
    expect((await call("POST", "/api/webhooks", "/api/webhooks", { body: hook })).status).toBe(401);
    expect((await call("GET", "/api/webhooks", "/api/webhooks", { headers: auth() })).status).toBe(200);
    const id = (created.body as { id: string }).id;
    expect((await call("DELETE", "/api/webhooks/{id}", `/api/webhooks/${id}`, { headers: auth() })).status).toBe(204);
    expect((await call("DELETE", "/api/webhooks/{id}", `/api/webhooks/${id}`, { headers: auth() })).status).toBe(404);
  });

  it("left no documented operation uncalled", () => {
    const all = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect([...called].sort()).toEqual(all.sort());
  });
});
