import { describe, expect, it } from "vitest";
import { inboxQuery, readInboxFilter } from "./inbox";

describe("readInboxFilter", () => {
  it("lists open approvals from the first page unless the address says otherwise", () => {
    expect(readInboxFilter("")).toEqual({ state: "open", offset: 0 });
    expect(readInboxFilter("?state=all&offset=20")).toEqual({ state: "all", offset: 20 });
  });

  it("ignores what it does not understand", () => {
    expect(readInboxFilter("?state=decided&offset=-5")).toEqual({ state: "open", offset: 0 });
  });
});

describe("inboxQuery", () => {
  it("writes only what differs from the first page of open approvals", () => {
    expect(inboxQuery({ state: "open", offset: 0 })).toBe("");
    expect(inboxQuery({ state: "all", offset: 0 })).toBe("?state=all");
    expect(inboxQuery({ state: "open", offset: 40 })).toBe("?offset=40");
  });

  it("is read back as the same filter", () => {
    const filter = { state: "all", offset: 20 } as const;
    expect(readInboxFilter(inboxQuery(filter))).toEqual(filter);
  });
});
