import { describe, expect, it } from "vitest";
import { JobError } from "../../lib/error-codes";
import { makeSpeechVideo, makeTwoTrackMkv } from "../../tests/support/make-media";
import { chooseAudioTrack, SILENT_MAX_VOLUME_DB } from "./audio-track";
import { probeMedia } from "./probe";

// Real two-track MKVs (VP8 + Opus): the first track digital silence, the second flite speech.
const SCRIPT = "The second track holds the speech.";
const signal = new AbortController().signal;

async function choose(file: string, requested?: number) {
  const media = await probeMedia(file, { maxDurationSec: 60, signal });
  return chooseAudioTrack({ file, media, requested, signal });
}

describe("chooseAudioTrack", () => {
  it("skips a silent first track when no track is marked default, and says why", async () => {
    const clip = await makeTwoTrackMkv({ script: SCRIPT });
    const choice = await choose(clip.path);
    expect(choice?.index).toBe(1);
    expect(choice?.reason).toBe("first-with-sound");
    expect(choice?.measured[0]?.maxVolumeDb).toBeLessThanOrEqual(SILENT_MAX_VOLUME_DB);
    expect(choice?.measured[1]?.maxVolumeDb).toBeGreaterThan(SILENT_MAX_VOLUME_DB);
    expect(choice?.summary).toMatch(/audio track 1 of 2 \(opus, eng\).*silent: 0/);
  });

  it("takes the default track without measuring the others when it has sound", async () => {
    const clip = await makeTwoTrackMkv({ script: SCRIPT, defaultTrack: 1 });
    const choice = await choose(clip.path);
    expect(choice).toMatchObject({ index: 1, reason: "default" });
    expect(choice?.measured.map((m) => m.index)).toEqual([1]);
  });

  it("passes over a default track that is silent", async () => {
    const clip = await makeTwoTrackMkv({ script: SCRIPT, defaultTrack: 0 });
    expect(await choose(clip.path)).toMatchObject({ index: 1, reason: "first-with-sound" });
  });

  it("uses the track asked for, even a silent one, and refuses one that does not exist", async () => {
    const clip = await makeTwoTrackMkv({ script: SCRIPT });
    expect(await choose(clip.path, 0)).toMatchObject({ index: 0, reason: "requested", measured: [] });
    const error = await choose(clip.path, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect((error as JobError).code).toBe("AUDIO_TRACK_NOT_FOUND");
    expect((error as JobError).retryable).toBe(false);
    expect((error as JobError).publicMessage).toMatch(/2 audio tracks \(numbered from 0\); audioTrack 2/);
  });

  it("does not measure a video's only track", async () => {
    const clip = await makeSpeechVideo({ script: SCRIPT });
    expect(await choose(clip.path)).toMatchObject({ index: 0, reason: "only", measured: [] });
  });
});
