import type { Metadata } from "next";
import { openApiDocument } from "@/lib/api/openapi";

export const metadata: Metadata = { title: "Captioner API" };

interface Operation {
  operationId: string;
  summary: string;
  security?: Record<string, unknown>[];
  parameters?: { name: string; in: string; required: boolean; description?: string }[];
  requestBody?: { content: { "application/json": { schema: { $ref: string } } } };
  responses: Record<string, { description: string; content?: { "application/json": { schema: { $ref: string } } } }>;
}

const schemaName = (ref?: string) => ref?.split("/").pop();

/** A readable page of the OpenAPI document (/api/openapi.json): every operation, its body, answers and schemas. */
export default function ApiDocsPage() {
  const doc = openApiDocument() as {
    info: { title: string; description: string };
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown> };
  };
  return (
    <main style={{ maxWidth: "60rem", margin: "0 auto", padding: "2rem 1rem", lineHeight: 1.5 }}>
      <h1>{doc.info.title}</h1>
      <p>{doc.info.description}</p>
      <p>
        Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1). Authenticate with{" "}
        <code>Authorization: Bearer &lt;API key&gt;</code>.
      </p>
      {Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => (
          <section key={`${method} ${path}`} id={op.operationId} aria-labelledby={`${op.operationId}-title`}>
            <h2 id={`${op.operationId}-title`}>
              <code>{`${method.toUpperCase()} ${path}`}</code>
            </h2>
            <p>{op.summary}</p>
            <p>
              {op.security?.some((s) => Object.keys(s).length === 0)
                ? "API key optional (required when the server runs with PUBLIC_SUBMISSIONS=key)."
                : "API key required."}
            </p>
            {op.parameters && (
              <ul>
                {op.parameters.map((p) => (
                  <li key={p.name}>
                    <code>{p.name}</code> ({p.in}
                    {p.required ? ", required" : ""}){p.description ? `: ${p.description}` : ""}
                  </li>
                ))}
              </ul>
            )}
            {op.requestBody && (
              <p>
                Body:{" "}
                <a href={`#schema-${schemaName(op.requestBody.content["application/json"].schema.$ref)}`}>
                  {schemaName(op.requestBody.content["application/json"].schema.$ref)}
                </a>
              </p>
            )}
            <table>
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Meaning</th>
                  <th scope="col">Body</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(op.responses).map(([status, response]) => {
                  const name = schemaName(response.content?.["application/json"].schema.$ref);
                  return (
                    <tr key={status}>
                      <td>{status}</td>
                      <td>{response.description}</td>
                      <td>{name ? <a href={`#schema-${name}`}>{name}</a> : "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        )),
      )}
      <h2>Schemas</h2>
      {Object.entries(doc.components.schemas).map(([name, schema]) => (
        <section key={name} id={`schema-${name}`}>
          <h3>{name}</h3>
          <pre style={{ overflowX: "auto", background: "#f4f4f5", padding: "0.75rem" }}>
            {JSON.stringify(schema, null, 2)}
          </pre>
        </section>
      ))}
    </main>
  );
}
