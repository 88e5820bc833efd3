import { describe, expect, it } from "vitest";
import { DEFAULT_FILTER, isFiltered, jobFilterQuery, parseJobFilter } from "./job-filters";

describe("parseJobFilter", () => {
  it("reads every field from the URL query", () => {
    const filter = parseJobFilter(
      new URLSearchParams(
        "status=failed&code=too_long&from=2026-11-01&to=2026-11-28&q=%20moov%20&sort=duration&dir=asc&page=3&size=50",
      ),
    );
    expect(filter).toEqual({
      status: "failed",
      code: "TOO_LONG",
      from: "2026-11-01",
      to: "2026-11-28",
      q: "moov",
      sort: "duration",
      dir: "asc",
      page: 3,
      size: 50,
    });
  });

  it("drops values that do not parse instead of failing the page", () => {
    const filter = parseJobFilter({
      status: "exploded",
      code: "DROP TABLE",
      from: "2026-13-45",
      to: "yesterday",
      q: "   ",
      sort: "id; --",
      dir: "sideways",
      page: "-2",
      size: "1000",
    });
    expect(filter).toEqual(DEFAULT_FILTER);
  });

  it("takes the first of repeated parameters (Next passes them as arrays)", () => {
    expect(parseJobFilter({ status: ["queued", "failed"] }).status).toBe("queued");
  });
});

describe("jobFilterQuery", () => {
  it("round-trips a filter and leaves defaults out", () => {
    const filter = parseJobFilter(new URLSearchParams("status=failed&q=a b&sort=updated&page=2"));
    const query = jobFilterQuery(filter);
    expect(query).toBe("status=failed&q=a+b&sort=updated&page=2");
    expect(parseJobFilter(new URLSearchParams(query))).toEqual(filter);
    expect(jobFilterQuery(DEFAULT_FILTER)).toBe("");
  });

  it("applies overrides (pagination links, sort headers)", () => {
    const filter = parseJobFilter(new URLSearchParams("code=TIMEOUT&page=4"));
    expect(jobFilterQuery(filter, { page: 1, sort: "duration", dir: "asc" })).toBe(
      "code=TIMEOUT&sort=duration&dir=asc",
    );
  });
});

describe("isFiltered", () => {
  it("counts narrowing fields only, not sorting or paging", () => {
    expect(isFiltered({ ...DEFAULT_FILTER, sort: "duration", page: 3 })).toBe(false);
    expect(isFiltered({ ...DEFAULT_FILTER, q: "x" })).toBe(true);
  });
});
