import { describe, expect, it } from "vitest";
import {
  NO_INCIDENT_FILTER,
  apiQuery,
  filterQuery,
  isFiltered,
  rangeText,
  readAlertFilter,
  readIncidentFilter,
  readTab,
  tabQuery,
} from "./listing";

describe("incident filter in the address", () => {
  it("reads nothing from an empty query, and ignores empty and unknown parameters", () => {
    expect(readIncidentFilter("")).toEqual(NO_INCIDENT_FILTER);
    expect(readIncidentFilter("?status=&owner=%20&page=3")).toEqual(NO_INCIDENT_FILTER);
  });

  it("reads back what filterQuery writes", () => {
    const filter = { status: "new", severity: "high", owner: "bob smith", q: "a&b", offset: 50 };
    expect(filterQuery(filter)).toBe("?status=new&severity=high&owner=bob+smith&q=a%26b&offset=50");
    expect(readIncidentFilter(filterQuery(filter))).toEqual(filter);
  });

  it("reads a page offset only when it is a whole number", () => {
    expect(readIncidentFilter("?offset=-5").offset).toBe(0);
    expect(readIncidentFilter("?offset=abc").offset).toBe(0);
    expect(readAlertFilter("?severity=low&offset=100")).toEqual({ severity: "low", offset: 100 });
  });

  it("asks the API for a page of rows", () => {
    expect(apiQuery(NO_INCIDENT_FILTER)).toBe("?limit=50");
    expect(apiQuery({ severity: "high", offset: 0 })).toBe("?severity=high&limit=50");
  });

  it("knows whether anything narrows the list, paging aside", () => {
    expect(isFiltered({ ...NO_INCIDENT_FILTER, offset: 50 })).toBe(false);
    expect(isFiltered({ ...NO_INCIDENT_FILTER, owner: "bob" })).toBe(true);
  });
});

describe("rangeText", () => {
  it("says which rows are shown", () => {
    expect(rangeText(0, 50, 120)).toBe("1–50 of 120");
    expect(rangeText(100, 20, 120)).toBe("101–120 of 120");
    expect(rangeText(200, 0, 120)).toBe("0 of 120");
  });
});

describe("tabs", () => {
  it("reads the tab from the address, alerts by default", () => {
    expect(readTab("")).toBe("alerts");
    expect(readTab("?tab=runs")).toBe("runs");
    expect(readTab("?tab=nope")).toBe("alerts");
    expect(tabQuery("alerts")).toBe("");
    expect(readTab(tabQuery("timeline"))).toBe("timeline");
  });
});
