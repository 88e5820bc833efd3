import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  NoSuchKey,
  NoSuchUpload,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { TIMEOUTS } from "../timeouts";
import {
  bareEtag,
  MultipartNotFoundError,
  type ObjectInfo,
  ObjectNotFoundError,
  type PartTicket,
  type Storage,
  type StoredPart,
  type UploadTicket,
} from "./types";

export interface S3StorageConfig {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  forcePathStyle: boolean;
}

/**
 * R2 / S3 driver. Checksums only WHEN_REQUIRED: the SDK's default adds aws-chunked framing and a
 * CRC32 to presigned URLs that R2 and several S3-compatible servers store or reject (see
 * docs/decisions.md). Uploads go through lib-storage's multipart Upload, so any size streams.
 */
export class S3Storage implements Storage {
  readonly driver = "s3" as const;
  readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: S3StorageConfig) {
    this.bucket = config.bucket;
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: { requestTimeout: TIMEOUTS.storageRequestMs, connectionTimeout: 5_000 },
    });
  }

  async createUploadUrl(
    key: string,
    options: { contentType: string; size: number; expiresInSec: number },
  ): Promise<UploadTicket> {
    // ContentLength is signed: the storage server refuses a body of any other size.
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType,
      ContentLength: options.size,
    });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: options.expiresInSec,
      signableHeaders: new Set(["content-type", "content-length"]),
    });
    return {
      url,
      method: "PUT",
      headers: { "Content-Type": options.contentType },
      expiresAt: new Date(Date.now() + options.expiresInSec * 1000),
    };
  }

  async createDownloadUrl(key: string, options: { expiresInSec: number; downloadName?: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: options.downloadName
        ? `attachment; filename="${options.downloadName.replace(/["\\]/g, "_")}"`
        : undefined,
    });
    return getSignedUrl(this.client, command, { expiresIn: options.expiresInSec });
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async downloadToFile(
    key: string,
    filePath: string,
    options?: { onProgress?: (bytes: number) => void; signal?: AbortSignal },
  ): Promise<void> {
    const body = await this.getStream(key);
    let bytes = 0;
    body.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      options?.onProgress?.(bytes);
    });
    await pipeline(body, createWriteStream(filePath), { signal: options?.signal });
  }

  async uploadFile(key: string, filePath: string, options: { contentType: string }): Promise<void> {
    const { size } = await stat(filePath);
    await this.putStream(key, createReadStream(filePath), { contentType: options.contentType, size });
  }

  async putStream(key: string, body: Readable, options: { contentType: string; size?: number }): Promise<void> {
    // 8 MiB parts, 2 in flight: bounded memory (~16 MiB) whatever the object's size.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: options.contentType },
      partSize: 8 * 1024 * 1024,
      queueSize: 2,
    });
    await upload.done();
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *listKeys(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of out.Contents ?? []) if (object.Key) yield object.Key;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async createMultipart(key: string, options: { contentType: string }): Promise<string> {
    const out = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: options.contentType }),
    );
    if (!out.UploadId) throw new Error("CreateMultipartUpload returned no UploadId");
    return out.UploadId;
  }

  async createPartUrl(
    key: string,
    uploadId: string,
    part: { partNumber: number; size: number },
    options: { expiresInSec: number },
  ): Promise<PartTicket> {
    // Content-Length is signed, as for the single PUT: R2/S3 refuse a part of any other size.
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: part.partNumber,
      ContentLength: part.size,
    });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: options.expiresInSec,
      signableHeaders: new Set(["content-length"]),
    });
    return { partNumber: part.partNumber, url };
  }

  async listParts(key: string, uploadId: string): Promise<StoredPart[]> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const p of out.Parts ?? []) {
          if (p.PartNumber && p.ETag)
            parts.push({ partNumber: p.PartNumber, etag: bareEtag(p.ETag), size: p.Size ?? 0 });
        }
        marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (isUploadMissing(error)) throw new MultipartNotFoundError(uploadId);
      throw error;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
    _options: { contentType: string },
  ): Promise<void> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${bareEtag(p.etag)}"` })) },
        }),
      );
    } catch (error) {
      if (isUploadMissing(error)) throw new MultipartNotFoundError(uploadId);
      throw error;
    }
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (error) {
      if (!isUploadMissing(error)) throw error;
    }
  }
}

function isUploadMissing(error: unknown): boolean {
  if (error instanceof NoSuchUpload) return true;
  return (
    error instanceof S3ServiceException && (error.name === "NoSuchUpload" || error.$metadata.httpStatusCode === 404)
  );
}

function isMissing(error: unknown): boolean {
  if (error instanceof NotFound || error instanceof NoSuchKey) return true;
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404;
}
