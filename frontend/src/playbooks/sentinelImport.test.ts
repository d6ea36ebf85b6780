import { describe, expect, it } from "vitest";
import { outcomeText, parseImported, shownFindings } from "./sentinelImport";
import type { Finding } from "./sentinelImport";

const finding = (kind: string, message: string): Finding => ({ kind, path: "$.actions.X", message, nodeId: "x" });

describe("Sentinel import", () => {
  it("reads the server's answer for a file", () => {
    const outcome = parseImported({
      file: "a.json",
      status: "draft",
      playbook_id: "p1",
      name: "Block user",
      unmapped: 2,
      problems: 3,
      error: null,
      findings: [{ kind: "action", path: "$.actions.Send", message: "no connector", node_id: "send" }],
    });
    expect(outcome).toEqual({
      file: "a.json",
      status: "draft",
      playbookId: "p1",
      name: "Block user",
      unmapped: 2,
      problems: 3,
      findings: [{ kind: "action", path: "$.actions.Send", message: "no connector", nodeId: "send" }],
    });
    expect(() => parseImported({ status: "failed" })).toThrow();
  });

  it("says what happened to each file", () => {
    expect(outcomeText({ file: "a", status: "failed", reason: "not JSON" })).toBe("Not imported: not JSON");
    const imported = { file: "a", playbookId: "p", name: "n", findings: [] };
    expect(outcomeText({ ...imported, status: "imported", unmapped: 0, problems: 0 })).toBe(
      "Imported: complete and valid",
    );
    expect(outcomeText({ ...imported, status: "draft", unmapped: 1, problems: 2 })).toBe(
      "Saved as a draft: 1 part not carried over, 2 problems",
    );
  });

  it("lists what was not carried over first, then defects once each, and leaves notes out", () => {
    const listed = shownFindings([
      finding("note", "n"),
      finding("defect", "d"),
      finding("expression", "e"),
      finding("defect", "d"),
    ]);
    expect(listed.map((item) => [item.finding.kind, item.times])).toEqual([
      ["expression", 1],
      ["defect", 2],
    ]);
  });
});
