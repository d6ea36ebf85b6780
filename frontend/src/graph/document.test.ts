import { describe, expect, it } from "vitest";
import {
  branchName,
  branchesOf,
  edgeKey,
  edgeKeys,
  effectiveWhen,
  isContainer,
  nodeLabel,
  withPlacement,
} from "./document";
import type { PlaybookNode } from "./document";

const ALWAYS = { all: [{ left: 1, op: "eq" as const, right: 1 }] };

describe("branchesOf", () => {
  it.each([
    [{ id: "c", kind: "condition", condition: ALWAYS }, ["true", "false"]],
    [{ id: "f", kind: "foreach", items: "{{ [] }}" }, ["body"]],
    [{ id: "u", kind: "until", condition: ALWAYS }, ["body"]],
    [{ id: "s", kind: "scope" }, ["body"]],
    [{ id: "a", kind: "action", action: "x.y" }, []],
  ] satisfies [PlaybookNode, string[]][])("gives %o the branches %o", (node, branches) => {
    expect(branchesOf(node)).toEqual(branches);
  });

  it("gives a switch one branch per case, then default", () => {
    const node: PlaybookNode = { id: "sw", kind: "switch", on: "{{ trigger.x }}", cases: ["High", 3, true, 0.5] };
    expect(branchesOf(node)).toEqual(["High", "3", "true", "0.5", "default"]);
    expect(branchesOf({ ...node, cases: [] })).toEqual(["default"]);
  });

  it("knows which kinds hold steps", () => {
    expect(isContainer({ id: "a", kind: "action", action: "x.y" })).toBe(false);
    expect(isContainer({ id: "s", kind: "scope" })).toBe(true);
    expect(isContainer({ id: "sw", kind: "switch", on: 1, cases: [] })).toBe(true);
  });
});

describe("branchName", () => {
  // Each expected text is what Python's str() gives for json.loads of the same JSON text.
  it.each([
    ["High", "High"],
    [true, "true"],
    [false, "false"],
    [3, "3"],
    [-7, "-7"],
    [0.1, "0.1"],
    [-2.25, "-2.25"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [2.5e-5, "2.5e-05"],
    [123456789012345.6, "123456789012345.6"],
    [1234567890123456.7, "1234567890123456.8"],
    [1.5e300, "1.5e+300"],
    [1e20, "1e+20"],
    [9007199254740994, "9007199254740994.0"],
  ] as const)("spells %o as %s", (value, name) => {
    expect(branchName(value)).toBe(name);
  });
});

describe("edge keys", () => {
  it("joins source and target, and adds the branch of a start edge", () => {
    expect(edgeKey({ source: "a", target: "b" })).toBe("a->b");
    expect(edgeKey({ source: "c", target: "b", branch: "true" })).toBe("c->b:true");
  });

  it("numbers repeated edges so each key is unique", () => {
    expect(
      edgeKeys([
        { source: "a", target: "b" },
        { source: "a", target: "b", when: ["failed"] },
        { source: "a", target: "c" },
        { source: "a", target: "b" },
      ]),
    ).toEqual(["a->b", "a->b~2", "a->c", "a->b~3"]);
  });

  it("reads a missing when as succeeded", () => {
    expect(effectiveWhen({ source: "a", target: "b" })).toEqual(["succeeded"]);
    expect(effectiveWhen({ source: "a", target: "b", when: ["failed"] })).toEqual(["failed"]);
  });
});

describe("nodes", () => {
  it("calls a node by its title, else its id", () => {
    expect(nodeLabel({ id: "vt", kind: "action", action: "x.y", title: "VirusTotal" })).toBe("VirusTotal");
    expect(nodeLabel({ id: "vt", kind: "action", action: "x.y", title: "  " })).toBe("vt");
    expect(nodeLabel({ id: "incident", type: "soarflow.incident_created" })).toBe("incident");
  });

  it("moves a node between branches without touching the original", () => {
    const node: PlaybookNode = { id: "a", kind: "action", action: "x.y", parent: "c", branch: "true" };
    expect(withPlacement(node, { parent: "c", branch: "true" })).toBe(node);
    expect(withPlacement(node, { parent: "d", branch: "body" })).toEqual({ ...node, parent: "d", branch: "body" });
    expect(withPlacement(node, undefined)).toEqual({ id: "a", kind: "action", action: "x.y" });
    expect(node.parent).toBe("c");
  });
});
