import { describe, expect, it } from "vitest";
import { NO_RUN_FILTER, isFiltered, readRunFilter, runFilterQuery, runsApiQuery } from "./listing";

const NOW = new Date("2026-11-28T12:00:00Z");

describe("runs filter in the address", () => {
  it("reads nothing from an empty query, and ignores empty and unknown parameters", () => {
    expect(readRunFilter("")).toEqual(NO_RUN_FILTER);
    expect(readRunFilter("?status=&playbook=%20&page=2&offset=-1")).toEqual(NO_RUN_FILTER);
  });

  it("reads back what runFilterQuery writes", () => {
    const filter = { ...NO_RUN_FILTER, status: "failed", playbook: "pb 1", range: "7d", offset: 50 };
    expect(runFilterQuery(filter)).toBe("?status=failed&playbook=pb+1&range=7d&offset=50");
    expect(readRunFilter(runFilterQuery(filter))).toEqual(filter);
    expect(runFilterQuery(NO_RUN_FILTER)).toBe("");
  });

  it("drops a time range it does not know rather than list every run under its name", () => {
    expect(readRunFilter("?range=90d").range).toBeNull();
  });

  it("knows whether anything narrows the list, paging aside", () => {
    expect(isFiltered({ ...NO_RUN_FILTER, offset: 50 })).toBe(false);
    expect(isFiltered({ ...NO_RUN_FILTER, range: "24h" })).toBe(true);
  });
});

describe("runsApiQuery", () => {
  it("asks for a page of rows", () => {
    expect(runsApiQuery(NO_RUN_FILTER, NOW)).toBe("?limit=50");
    expect(runsApiQuery({ ...NO_RUN_FILTER, status: "failed", offset: 100 }, NOW)).toBe(
      "?status=failed&offset=100&limit=50",
    );
  });

  it("turns a time range into the moment it starts, with its time zone", () => {
    const since = (range: string) => new URLSearchParams(runsApiQuery({ ...NO_RUN_FILTER, range }, NOW)).get("since");
    expect(since("24h")).toBe("2026-11-27T12:00:00.000Z");
    expect(since("7d")).toBe("2026-11-21T12:00:00.000Z");
    expect(since("30d")).toBe("2026-10-29T12:00:00.000Z");
  });

  it("passes the playbook, incident and alert on", () => {
    expect(runsApiQuery({ ...NO_RUN_FILTER, playbook: "pb-1" }, NOW)).toBe("?playbook=pb-1&limit=50");
    const ofAlert = readRunFilter("?alert=al-9");
    expect(isFiltered(ofAlert)).toBe(true);
    expect(runsApiQuery(ofAlert, NOW)).toBe("?alert=al-9&limit=50");
    expect(runsApiQuery(readRunFilter("?incident=in-3"), NOW)).toBe("?incident=in-3&limit=50");
  });
});
