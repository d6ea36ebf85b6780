import { describe, expect, it } from "vitest";
import type { ActionNode, PlaybookNode } from "../graph/document";
import { withConnection } from "./nodeEdits";

const lookup: ActionNode = { id: "vt", kind: "action", action: "virustotal.get_ip_report", inputs: {} };

describe("withConnection", () => {
  it("sets, replaces and removes a step's connection", () => {
    const chosen = withConnection(lookup, "vt-main");
    expect(chosen).toEqual({ ...lookup, connection: "vt-main" });
    expect(withConnection(chosen, "vt-backup")).toEqual({ ...lookup, connection: "vt-backup" });
    expect(withConnection(chosen, "")).toEqual(lookup);
  });

  it("returns the same node when nothing changes, or when the node takes no connection", () => {
    const chosen = withConnection(lookup, "vt-main");
    expect(withConnection(chosen, "vt-main")).toBe(chosen);
    expect(withConnection(lookup, "")).toBe(lookup);
    const scope: PlaybookNode = { id: "s", kind: "scope" };
    expect(withConnection(scope, "vt-main")).toBe(scope);
  });
});
