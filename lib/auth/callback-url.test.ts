import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";

describe("safeCallbackPath", () => {
  it.each([
    { value: "/admin/jobs?status=failed&code=TOO_LONG", expected: "/admin/jobs?status=failed&code=TOO_LONG" },
    { value: "/admin/jobs/job_abc#timeline", expected: "/admin/jobs/job_abc#timeline" },
    { value: ["/admin/audit", "/other"], expected: "/admin/audit" },
    { value: "https://evil.example/admin", expected: "/admin" },
    { value: "//evil.example/admin", expected: "/admin" },
    { value: "/\\evil.example", expected: "/admin" },
    { value: "javascript:alert(1)", expected: "/admin" },
    { value: "admin", expected: "/admin" },
    { value: "", expected: "/admin" },
    { value: undefined, expected: "/admin" },
  ])("$value → $expected", ({ value, expected }) => {
    expect(safeCallbackPath(value)).toBe(expected);
  });
});
