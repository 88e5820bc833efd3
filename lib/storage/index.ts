import type { StorageConfig } from "../env/storage-env";
import { LocalStorage } from "./local";
import { S3Storage } from "./s3";
import type { Storage } from "./types";

export * from "./keys";
export { BodyTooLargeError, LocalStorage, PartSizeError } from "./local";
export { S3Storage } from "./s3";
export * from "./types";

/** The storage driver the config names. */
export function createStorage(config: StorageConfig): Storage {
  return config.driver === "local" ? new LocalStorage(config.dataDir, config.signingSecret) : new S3Storage(config);
}
