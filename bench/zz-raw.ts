import { readWavLayout, writeWavChunk } from "../worker/transcribe/silences";
const f = process.argv[2] as string;
const l = await readWavLayout(f);
await writeWavChunk(f, l, { startSample: Math.round(32.10225 * 16000), endSample: l.totalSamples }, "/tmp/asrpar/c2.wav");
console.log(l);
