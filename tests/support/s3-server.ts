import { mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { S3StorageConfig } from "../../lib/storage/s3";

// A local S3-compatible server (s3rver, in this process) for tests of the s3 storage driver. It is NOT R2:
// it checks no signatures at all and stores whatever it is sent, so a test against it proves our requests
// and streams are right, not that R2 would accept the signatures (see shared notes, "Object storage").

// s3rver ships no type declarations; this is the part of its API we use (it is a Koa application).
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  middleware: KoaMiddleware[];
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string; configs: string[] }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;

// Browsers PUT to presigned URLs from the app's origin: the bucket must answer the CORS preflight.
const CORS_ANY_ORIGIN = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  /** Ready to pass to `new S3Storage(…)` (or to the app as R2_* variables). */
  config: S3StorageConfig;
  stop(): Promise<void>;
}

/** Starts s3rver on a free loopback port with a temp data dir and one bucket (CORS: PUT/GET from any origin). */
export async function startS3Server(bucket = "captioner-test"): Promise<S3TestServer> {
  const directory = mkdtempSync(path.join(tmpdir(), "captioner-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [CORS_ANY_ORIGIN] }],
  });
  // Before the router (the last middleware), after the one that turns plain objects into XML.
  server.middleware.splice(server.middleware.length - 1, 0, multipartExtras(directory));
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    config: {
      endpoint,
      bucket,
      // s3rver accepts any credentials; these are its documented defaults.
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      region: "us-east-1",
      forcePathStyle: true,
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * s3rver 3.7.1 stores multipart uploads (`<bucket>/._S3rver_uploads/<uploadId>/<n>` + `<n>.md5`) but answers
 * ListParts and AbortMultipartUpload with 405, and UploadPart to an unknown upload id recreates it. These
 * three follow S3's API over s3rver's own files: a part counts once its `.md5` is written (s3rver writes it
 * after the whole body); an unknown upload id is 404 NoSuchUpload, as on S3 and R2.
 */
function multipartExtras(directory: string): KoaMiddleware {
  return async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!uploadId || !match || !/^[0-9a-f]+$/.test(uploadId)) return next();
    const [, bucket, key] = match;
    const uploadDir = path.join(directory, bucket ?? "", "._S3rver_uploads", uploadId);
    const exists = Boolean(await stat(uploadDir).catch(() => null));
    const noSuchUpload = () => {
      ctx.status = 404;
      ctx.body = {
        Error: { Code: "NoSuchUpload", Message: "The specified upload does not exist.", UploadId: uploadId },
      };
    };
    if (ctx.method === "PUT" || ctx.method === "POST") return exists ? next() : noSuchUpload();
    if (!exists) return noSuchUpload();
    if (ctx.method === "DELETE") {
      await rm(uploadDir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    if (ctx.method !== "GET") return next();
    const parts = [];
    for (const name of (await readdir(uploadDir))
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(a) - Number(b))) {
      const md5 = await readFile(path.join(uploadDir, `${name}.md5`), "utf8").catch(() => null);
      const info = await stat(path.join(uploadDir, name));
      if (md5) {
        parts.push({
          PartNumber: Number(name),
          LastModified: info.mtime.toISOString(),
          ETag: JSON.stringify(md5),
          Size: info.size,
        });
      }
    }
    ctx.body = {
      ListPartsResult: {
        Bucket: bucket,
        Key: decodeURIComponent(key ?? ""),
        UploadId: uploadId,
        PartNumberMarker: 0,
        MaxParts: 10000,
        IsTruncated: false,
        Part: parts,
      },
    };
  };
}
