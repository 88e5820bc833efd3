import { describe, expect, it } from "vitest";
import { gpt2Vocabulary, melFilterbank, toHalf } from "./make-test-whisper-model";

// The generator's pieces that are real data, not random: they must match what whisper.cpp expects.

describe("melFilterbank (librosa's Slaney filters, as in whisper's mel_filters.npz)", () => {
  const filters = melFilterbank(16_000, 400, 80);

  it("has 80 × 201 weights and whisper's known first filter value", () => {
    expect(filters.length).toBe(80 * 201);
    // mel_filters.npz["mel_80"][0][1]; bin 1 is the only non-zero weight of the first filter.
    expect(filters[1]).toBeCloseTo(0.02486259, 7);
    expect(Array.from(filters.slice(2, 201)).every((w) => w === 0)).toBe(true);
  });

  it("normalises each triangle to unit area in Hz (Slaney norm), within the bin spacing's error", () => {
    for (let m = 0; m < 80; m++) {
      const area = Array.from(filters.slice(m * 201, (m + 1) * 201)).reduce((a, b) => a + b, 0) * 40;
      expect(area).toBeGreaterThan(0.9);
      expect(area).toBeLessThan(1.1);
    }
  });
});

describe("toHalf", () => {
  it("encodes IEEE binary16", () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(0.1)).toBe(0x2e66);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(1e-8)).toBe(0);
  });
});

describe("gpt2Vocabulary", () => {
  it("gives GPT-2's 50256 tokens as bytes, in id order, with the space marker decoded", () => {
    const vocab = gpt2Vocabulary();
    expect(vocab).toHaveLength(50256);
    expect(vocab[0]?.toString()).toBe("!");
    expect(vocab[220]?.toString()).toBe(" "); // "Ġ" is a space
    expect(vocab[198]?.toString()).toBe("\n"); // "Ċ" is a newline
    expect(vocab[50255]?.toString()).toBe(" gazed");
  });
});
