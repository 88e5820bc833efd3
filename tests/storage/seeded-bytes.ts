import { createHash } from "node:crypto";
import { Readable } from "node:stream";

/**
 * `size` pseudo-random bytes from a seeded generator (mulberry32), produced 1 MiB at a time so a large
 * test object never sits in memory. `digest()` is the sha256 of every byte the stream has produced.
 */
export function seededByteStream(size: number, seed: number): { stream: Readable; digest(): string } {
  const hash = createHash("sha256");
  let state = seed >>> 0;
  const nextWord = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  async function* chunks() {
    const chunkSize = 1024 * 1024;
    for (let sent = 0; sent < size; sent += chunkSize) {
      const length = Math.min(chunkSize, size - sent);
      const words = new Uint32Array(Math.ceil(length / 4));
      for (let i = 0; i < words.length; i++) words[i] = nextWord();
      const chunk = Buffer.from(words.buffer, 0, length);
      hash.update(chunk);
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), digest: () => hash.digest("hex") };
}

/** sha256 and length of everything a stream yields, read chunk by chunk. */
export async function hashStream(
  stream: AsyncIterable<Buffer | Uint8Array>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}
