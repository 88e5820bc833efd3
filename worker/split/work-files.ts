import { stat } from "node:fs/promises";
import { JobError } from "../../lib/error-codes";
import { ObjectNotFoundError, type Storage } from "../../lib/storage";
import { TIMEOUTS, withTimeout } from "../../lib/timeouts";

// A split job's intermediate files moving between workers through storage. Any storage failure is a
// retryable STORAGE_ERROR (a missing file too: the parent wrote it, so its absence is a storage fault, and
// a retry of the segment is the remedy); each transfer has the usual size-scaled limit.

function transferLimitMs(bytes: number): number {
  return Math.round(TIMEOUTS.transferFloorMs + TIMEOUTS.transferPerMiBMs * (bytes / 2 ** 20));
}

export async function uploadWork(storage: Storage, key: string, file: string, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const { size } = await stat(file);
  try {
    await withTimeout(
      storage.uploadFile(key, file, { contentType: "application/octet-stream" }),
      transferLimitMs(size),
    );
  } catch (error) {
    signal.throwIfAborted();
    throw new JobError("STORAGE_ERROR", {
      cause: error,
      detail: { stage: "splitting", key, error: String((error as Error).message ?? error) },
    });
  }
}

export async function downloadWork(storage: Storage, key: string, file: string, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  try {
    const info = await withTimeout(storage.head(key), TIMEOUTS.storageRequestMs);
    if (!info) throw new ObjectNotFoundError(key);
    const limit = AbortSignal.any([signal, AbortSignal.timeout(transferLimitMs(info.size))]);
    await storage.downloadToFile(key, file, { signal: limit });
  } catch (error) {
    signal.throwIfAborted();
    throw new JobError("STORAGE_ERROR", {
      cause: error,
      detail: { key, error: String((error as Error).message ?? error) },
    });
  }
}
