import { createHmac, timingSafeEqual } from "node:crypto";

// The local driver's URLs are signed like a presigned S3 URL: HMAC-SHA256 over the operation, the key,
// the expiry and (for uploads) the size limit and content type, so none of them can be changed. A part of a
// multipart upload ("part") also signs the upload id and the part number, and `size` is the part's exact size.

export interface SignedParams {
  op: "put" | "get" | "part";
  key: string;
  /** Unix seconds. */
  exp: number;
  /** put: the declared size; the body may not exceed it. */
  size?: number;
  contentType?: string;
  /** get: Content-Disposition filename. */
  name?: string;
  /** part: the driver's upload id (the staging directory). */
  upload?: string;
  /** part: 1-based part number. */
  part?: number;
}

function canonical(p: SignedParams): string {
  const fields = [p.op, p.key, p.exp, p.size ?? "", p.contentType ?? "", p.name ?? ""];
  // Appended only for parts, so URLs signed before parts existed keep their signatures.
  if (p.op === "part") fields.push(p.upload ?? "", p.part ?? "");
  return fields.join("\n");
}

export function signParams(secret: string, params: SignedParams): string {
  return createHmac("sha256", secret).update(canonical(params)).digest("base64url");
}

export type SignatureCheck = { ok: true } | { ok: false; reason: "bad_signature" | "expired" };

export function verifyParams(
  secret: string,
  params: SignedParams,
  signature: string,
  now = Date.now(),
): SignatureCheck {
  const expected = Buffer.from(signParams(secret, params));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "bad_signature" };
  if (params.exp * 1000 < now) return { ok: false, reason: "expired" };
  return { ok: true };
}

export function toQuery(params: SignedParams, sig: string): string {
  const q = new URLSearchParams({ key: params.key, exp: String(params.exp) });
  if (params.size !== undefined) q.set("size", String(params.size));
  if (params.contentType) q.set("type", params.contentType);
  if (params.name) q.set("name", params.name);
  if (params.upload) q.set("upload", params.upload);
  if (params.part !== undefined) q.set("part", String(params.part));
  q.set("sig", sig);
  return q.toString();
}

/** Reads the signed params back from a URL's query (undefined when something is missing or malformed). */
export function fromQuery(
  op: SignedParams["op"],
  q: URLSearchParams,
): { params: SignedParams; sig: string } | undefined {
  const key = q.get("key");
  const exp = Number(q.get("exp"));
  const sig = q.get("sig");
  if (!key || !sig || !Number.isInteger(exp)) return undefined;
  const sizeRaw = q.get("size");
  const size = sizeRaw === null ? undefined : Number(sizeRaw);
  if (size !== undefined && !Number.isSafeInteger(size)) return undefined;
  const partRaw = q.get("part");
  const part = partRaw === null ? undefined : Number(partRaw);
  if (part !== undefined && !Number.isSafeInteger(part)) return undefined;
  return {
    params: {
      op,
      key,
      exp,
      size,
      contentType: q.get("type") ?? undefined,
      name: q.get("name") ?? undefined,
      upload: q.get("upload") ?? undefined,
      part,
    },
    sig,
  };
}
