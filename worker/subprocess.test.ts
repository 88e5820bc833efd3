import { describe, expect, it } from "vitest";
import { runSubprocess } from "./subprocess";

describe("runSubprocess onStderrLine", () => {
  it("splits stderr on \\n, \\r\\n and a lone \\r (ffmpeg's stats lines), joining lines cut across chunks", async () => {
    const lines: string[] = [];
    const script = ["printf 'a\\rb\\r\\nc\\n' >&2", "printf 'd1' >&2", "printf 'd2\\r' >&2", "printf '\\ne' >&2"].join(
      "; sleep 0.2; ",
    );
    const { stderrTail } = await runSubprocess("sh", ["-c", script], {
      timeoutMs: 10_000,
      onStderrLine: (line) => lines.push(line),
    });
    // The unterminated last line arrives too, before the promise settles.
    expect(lines).toEqual(["a", "b", "c", "d1d2", "e"]);
    expect(stderrTail).toBe("a\rb\r\nc\nd1d2\r\ne");
  });

  it("keeps only the asked-for tail of stderr", async () => {
    const { stderrTail } = await runSubprocess("sh", ["-c", "printf '%0100d' 0 >&2; printf 'END' >&2"], {
      timeoutMs: 10_000,
      stderrTailChars: 10,
    });
    expect(stderrTail).toBe("0000000END");
  });
});
