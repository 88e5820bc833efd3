import path from "node:path";
import { JobError } from "../../lib/error-codes";
import { ObjectNotFoundError, type Storage } from "../../lib/storage";
import { TIMEOUTS } from "../../lib/timeouts";

/** Streams the uploaded input into the job's temp dir; a missing object is permanent (INPUT_MISSING). */
export async function downloadInput(
  storage: Storage,
  input: { key: string; size: number | null; workDir: string; signal: AbortSignal; report: (fraction: number) => void },
): Promise<string> {
  const ext =
    path
      .extname(input.key)
      .replace(/[^.A-Za-z0-9]/g, "")
      .slice(0, 8) || ".bin";
  const file = path.join(input.workDir, `input${ext}`);
  const info = await storage.head(input.key).catch((error: unknown) => {
    throw new JobError("STORAGE_ERROR", { cause: error, detail: { stage: "downloading", error: String(error) } });
  });
  if (!info) throw new JobError("INPUT_MISSING", { detail: { stage: "downloading" } });
  const size = info.size || input.size || 0;
  const timeoutMs = Math.round(TIMEOUTS.transferFloorMs + TIMEOUTS.transferPerMiBMs * (size / 2 ** 20));
  const signal = AbortSignal.any([input.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    await storage.downloadToFile(input.key, file, {
      signal,
      onProgress: (bytes) => size > 0 && input.report(bytes / size),
    });
  } catch (error) {
    input.signal.throwIfAborted();
    if (error instanceof ObjectNotFoundError) throw new JobError("INPUT_MISSING", { detail: { stage: "downloading" } });
    const timedOut = signal.aborted;
    throw new JobError(timedOut ? "TIMEOUT" : "STORAGE_ERROR", {
      cause: error,
      detail: { stage: "downloading", error: String((error as Error).message ?? error), timeoutMs },
    });
  }
  return file;
}
