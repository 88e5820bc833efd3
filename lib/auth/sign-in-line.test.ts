import { describe, expect, it } from "vitest";
import { inSignInLine, SIGN_INS_AT_ONCE, SIGN_INS_WAITING, SignInLineFull } from "./sign-in-line";

describe("inSignInLine", () => {
  it("runs sign-ins one at a time, in arrival order, and refuses beyond the waiting limit", async () => {
    expect(SIGN_INS_AT_ONCE).toBe(1);
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const release: (() => void)[] = [];
    const work = (i: number) => () =>
      new Promise<number>((resolve) => {
        active++;
        maxActive = Math.max(maxActive, active);
        order.push(i);
        release.push(() => {
          active--;
          resolve(i);
        });
      });
    const runs = Array.from({ length: SIGN_INS_WAITING + 1 }, (_, i) => inSignInLine(work(i)));
    await expect(inSignInLine(work(-1))).rejects.toBeInstanceOf(SignInLineFull);
    for (let i = 0; i <= SIGN_INS_WAITING; i++) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    expect(await Promise.all(runs)).toEqual(Array.from({ length: SIGN_INS_WAITING + 1 }, (_, i) => i));
    expect(order).toEqual(Array.from({ length: SIGN_INS_WAITING + 1 }, (_, i) => i));
    expect(maxActive).toBe(1);
  });

  it("frees its place when a sign-in throws", async () => {
    await expect(inSignInLine(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await inSignInLine(async () => "next")).toBe("next");
  });
});
