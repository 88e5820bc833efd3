import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { PrismaClient } from "../../lib/db";
import type { JobStatus } from "../../lib/generated/prisma/enums";
import { newJobId } from "../../lib/ids";
import { hashManageToken } from "../../lib/jobs/manage-token";
import { outputKeys, type Storage } from "../../lib/storage";

// A job row as the worker leaves it, with every object it owns really written to storage: an input under
// uploads/, and the outputs of each caption version under rendered/ (the row points at the latest). The
// retention suites check that exactly these objects disappear, and when.

export interface StoredJob {
  id: string;
  inputKey: string;
  /** Every output key of every version, latest version's last. */
  outputKeys: string[];
  /** The latest version's keys (the row's). */
  latest: { video: string; srt: string; vtt: string };
  manageToken: string;
}

const CUES = [{ start: 0.5, end: 2.5, lines: ["Please check the captions."] }];

async function put(storage: Storage, key: string, contentType: string, body: string | Buffer): Promise<void> {
  await storage.putStream(key, Readable.from([Buffer.from(body)]), { contentType });
}

/**
 * Writes the objects and the row. `versions` rendered caption versions (0 for a job that never rendered,
 * e.g. failed); `finishedAt` null for an unfinished job.
 */
export async function storedJob(
  db: PrismaClient,
  storage: Storage,
  options: { status: JobStatus; finishedAt: Date | null; versions?: number; createdAt?: Date },
): Promise<StoredJob> {
  const id = newJobId();
  const versions = options.versions ?? (options.status === "completed" ? 1 : 0);
  const inputKey = `uploads/${randomBytes(12).toString("base64url")}/talk.mp4`;
  await put(storage, inputKey, "video/mp4", randomBytes(4096));
  const rendered: { video: string; srt: string; vtt: string }[] = [];
  const base = (options.finishedAt ?? new Date()).getTime();
  for (let v = 1; v <= versions; v++) {
    const keys = outputKeys(id, new Date(base - (versions - v) * 1000));
    await put(storage, keys.video, "video/mp4", randomBytes(8192));
    await put(storage, keys.srt, "application/x-subrip", `1\n00:00:00,500 --> 00:00:02,500\nVersion ${v}\n`);
    await put(storage, keys.vtt, "text/vtt", `WEBVTT\n\n00:00.500 --> 00:02.500\nVersion ${v}\n`);
    rendered.push(keys);
  }
  const latest = rendered.at(-1);
  const manageToken = `mt_${randomBytes(32).toString("base64url")}`;
  const finished = options.finishedAt;
  await db.job.create({
    data: {
      id,
      status: options.status,
      inputKey,
      originalFilename: "talk.mp4",
      inputSize: 4096n,
      contentType: "video/mp4",
      options: { burnIn: true },
      phase: options.status === "processing" ? "rendering" : null,
      progress: options.status === "completed" ? 100 : options.status === "processing" ? 60 : 0,
      attempts: options.status === "queued" ? 0 : 1,
      durationSec: 3,
      cueCount: 1,
      detectedLanguage: "en",
      captionVersion: Math.max(1, versions),
      manageTokenHash: hashManageToken(manageToken),
      outputVideoKey: options.status === "completed" ? (latest?.video ?? null) : null,
      outputSrtKey: options.status === "completed" ? (latest?.srt ?? null) : null,
      outputVttKey: options.status === "completed" ? (latest?.vtt ?? null) : null,
      ...(options.status === "failed"
        ? { errorCode: "RENDER_FAILED", errorMessage: "Rendering the captions into the video failed." }
        : {}),
      createdAt: options.createdAt ?? new Date(base - 60_000),
      startedAt: options.status === "queued" ? null : new Date(base - 30_000),
      finishedAt: finished,
      events: { create: { type: "queued", message: "Job created" } },
      captionVersions: {
        create: rendered.map((keys, index) => ({
          version: index + 1,
          source: index === 0 ? "recognised" : "edited",
          author: index === 0 ? "worker" : "submitter",
          cues: CUES,
          outputVideoKey: keys.video,
          outputSrtKey: keys.srt,
          outputVttKey: keys.vtt,
          renderedAt: new Date(base),
        })),
      },
      ...(versions > 0
        ? {
            transcript: {
              create: {
                backend: "pocketsphinx",
                model: "en-us",
                language: "en",
                audioTrack: 0,
                words: [{ word: "please", start: 0.5, end: 0.8 }],
                segments: [],
                attempt: 1,
              },
            },
          }
        : {}),
    },
  });
  return {
    id,
    inputKey,
    outputKeys: rendered.flatMap((keys) => [keys.video, keys.srt, keys.vtt]),
    latest: latest ?? { video: "", srt: "", vtt: "" },
    manageToken,
  };
}

/** Which of `keys` the storage still holds. */
export async function existing(storage: Storage, keys: readonly string[]): Promise<string[]> {
  const found = await Promise.all(keys.map(async (key) => ((await storage.head(key)) ? key : null)));
  return found.filter((key): key is string => key !== null);
}
