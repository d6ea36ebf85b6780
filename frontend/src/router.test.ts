import { describe, expect, it } from "vitest";
import { designerPath, parseRoute } from "./router";

describe("parseRoute", () => {
  it("knows the playbooks list and the designer of a playbook", () => {
    expect(parseRoute("/")).toEqual({ page: "playbooks" });
    expect(parseRoute("/playbooks/pb_1")).toEqual({ page: "designer", playbookId: "pb_1" });
    expect(parseRoute("/playbooks/pb_1/")).toEqual({ page: "designer", playbookId: "pb_1" });
  });

  it("reads back the ids designerPath writes", () => {
    const id = "a b/c";
    expect(parseRoute(designerPath(id))).toEqual({ page: "designer", playbookId: id });
  });

  it("says not found for anything else", () => {
    expect(parseRoute("/playbooks")).toEqual({ page: "not-found" });
    expect(parseRoute("/nope/1/2")).toEqual({ page: "not-found" });
    expect(parseRoute("/playbooks/%E0%A4%A")).toEqual({ page: "not-found" });
  });
});
