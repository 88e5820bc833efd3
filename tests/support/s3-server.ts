import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { S3StorageConfig } from "../../lib/storage/s3";

// A local S3-compatible server (s3rver, in this process) for tests of the s3 storage driver. It is NOT R2:
// it checks no signatures at all and stores whatever it is sent, so a test against it proves our requests
// and streams are right, not that R2 would accept the signatures (see shared notes, "Object storage").

// s3rver ships no type declarations; this is the part of its API we use.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
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
