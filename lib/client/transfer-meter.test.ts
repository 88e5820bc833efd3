import { describe, expect, it } from "vitest";
import { formatBytes, formatClock, formatTimeLeft } from "./human-units";
import { TransferMeter } from "./transfer-meter";

describe("TransferMeter", () => {
  it("gives no speed from the first instant, then speed and time left from recent samples", () => {
    const meter = new TransferMeter(10_000_000);
    expect(meter.sample(0, 0)).toMatchObject({ percent: 0, bytesPerSec: null, secondsLeft: null });
    expect(meter.sample(100_000, 100).bytesPerSec).toBeNull();
    const stats = meter.sample(1_000_000, 1_000);
    expect(stats.percent).toBe(10);
    expect(stats.bytesPerSec).toBe(1_000_000);
    expect(stats.secondsLeft).toBe(9);
  });

  it("follows a connection that slows down instead of averaging since the start", () => {
    const meter = new TransferMeter(100_000_000);
    meter.sample(0, 0);
    meter.sample(50_000_000, 5_000); // 10 MB/s for 5 s
    for (let t = 6_000; t <= 10_000; t += 1_000) meter.sample(50_000_000 + (t - 5_000) * 100, t); // then 100 kB/s
    const stats = meter.sample(50_600_000, 11_000);
    expect(stats.bytesPerSec).toBeCloseTo(100_000, -3);
  });

  it("says 100 % and nothing left when done", () => {
    const meter = new TransferMeter(500);
    meter.sample(0, 0);
    expect(meter.sample(500, 1_000)).toMatchObject({ percent: 100, secondsLeft: 0 });
  });
});

describe("human units", () => {
  it.each([
    [0, "0 bytes"],
    [1536, "1.5 KiB"],
    [5 * 1024 * 1024, "5 MiB"],
    [2 * 1024 ** 3, "2 GiB"],
  ])("formatBytes(%i) = %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([
    [0, "0:00"],
    [65, "1:05"],
    [3725, "1:02:05"],
  ])("formatClock(%i) = %s", (sec, text) => expect(formatClock(sec)).toBe(text));

  it.each([
    [0.4, "less than a second left"],
    [12.2, "about 13 s left"],
    [150, "about 3 min left"],
    [5400, "about 1 h 30 min left"],
  ])("formatTimeLeft(%d) = %s", (sec, text) => expect(formatTimeLeft(sec)).toBe(text));
});
