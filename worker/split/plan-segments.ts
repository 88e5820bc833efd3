// Where a long video is cut for the split flow (docs/scaling.md). Pure: unit-tested in plan-segments.test.ts.

export interface SegmentBounds {
  index: number;
  /** Seconds of the input this segment owns: [startSec, endSec). */
  startSec: number;
  endSec: number;
}

/**
 * Cut points at keyframes, so every segment can be cut with stream copy: the video is split into about
 * `durationSec / targetSec` equal parts (equal parts finish together on equal workers; a short tail segment
 * would leave workers idle), and each cut moves to the keyframe nearest its target. Keyframes closer than
 * `minSec` to the start, the end or the previous cut are skipped, so no segment is a sliver.
 */
export function planCuts(keyframes: readonly number[], durationSec: number, targetSec: number, minSec = 1): number[] {
  const parts = Math.max(1, Math.round(durationSec / targetSec));
  const sorted = [...new Set(keyframes)].filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let i = 1; i < parts; i++) {
    const target = (durationSec * i) / parts;
    const previous = cuts.at(-1) ?? 0;
    let best: number | undefined;
    for (const t of sorted) {
      if (t < previous + minSec || t > durationSec - minSec) continue;
      if (best === undefined || Math.abs(t - target) < Math.abs(best - target)) best = t;
    }
    if (best !== undefined && !cuts.includes(best)) cuts.push(best);
  }
  return cuts.sort((a, b) => a - b);
}

/** The segments between cuts; `lengths` (measured durations of the cut files) win over the planned cuts. */
export function segmentBounds(
  cuts: readonly number[],
  durationSec: number,
  lengths?: readonly number[],
): SegmentBounds[] {
  let edges = [0, ...cuts, durationSec];
  if (lengths) {
    edges = [0];
    for (const length of lengths) edges.push((edges.at(-1) ?? 0) + length);
  }
  const bounds: SegmentBounds[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    bounds.push({ index: i, startSec: edges[i] ?? 0, endSec: edges[i + 1] ?? durationSec });
  }
  return bounds;
}

/** The audio a segment's recogniser hears: its own part plus `overlapSec` of each neighbour. */
export function audioWindow(segment: SegmentBounds, durationSec: number, overlapSec: number) {
  return {
    startSec: Math.max(0, segment.startSec - overlapSec),
    endSec: Math.min(durationSec, segment.endSec + overlapSec),
  };
}
