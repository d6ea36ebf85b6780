import { describe, expect, it } from "vitest";
import type { PlaybookNode } from "./document";
import { renameInNode, renameInValue, renameReferences } from "./references";

const renames = new Map([
  ["vt", "vt_2"],
  ["each-ip", "each-ip_2"],
  ["loop", "loop_2"],
]);

describe("renameReferences", () => {
  it.each([
    ["{{ steps.vt.output.data }}", "{{ steps.vt_2.output.data }}"],
    ["{{steps.vt.status}}", "{{steps.vt_2.status}}"],
    ["{{ steps . vt . output }}", "{{ steps.vt_2 . output }}"],
    ["{{ steps['vt'].output }}", "{{ steps['vt_2'].output }}"],
    ['{{ steps["vt"].output }}', "{{ steps['vt_2'].output }}"],
    ["{{ steps['each-ip'].output }}", "{{ steps['each-ip_2'].output }}"],
    ["{{ items.loop.address }}", "{{ items.loop_2.address }}"],
    [
      "IP {{ item.address }}: {{ steps.vt.output.reputation }} ({{ steps.vt.status }})",
      "IP {{ item.address }}: {{ steps.vt_2.output.reputation }} ({{ steps.vt_2.status }})",
    ],
    ["{{ steps.vt.output | default(steps.other.output) }}", "{{ steps.vt_2.output | default(steps.other.output) }}"],
  ])("renames %s", (before, after) => {
    expect(renameReferences(before, renames)).toBe(after);
  });

  it.each([
    ["plain text mentioning steps.vt", "outside {{ }}"],
    ["{{ steps.vtx.output }}", "a longer id"],
    ["{{ steps.other.output }}", "a step that was not copied"],
    ["{{ 'steps.vt' }}", "a string literal"],
    ["{{ trigger.steps.vt }}", "an attribute that happens to be called steps"],
    ["{{ mysteps.vt }}", "a name that ends in steps"],
    ["{{ steps[name] }}", "a computed key"],
    ["{{ item.vt }}", "a root other than steps and items"],
  ])("leaves %s alone (%s)", (text) => {
    expect(renameReferences(text, renames)).toBe(text);
  });

  it("turns a dotted reference into a subscript when the new id is no plain name", () => {
    expect(renameReferences("{{ steps.a.output }}", new Map([["a", "a-copy"]]))).toBe("{{ steps['a-copy'].output }}");
  });

  it("does not stop at a }} inside a string literal", () => {
    expect(renameReferences("{{ '}}' ~ steps.vt.output }}", renames)).toBe("{{ '}}' ~ steps.vt_2.output }}");
  });

  it("copes with an unclosed expression", () => {
    expect(renameReferences("{{ steps.vt.output", renames)).toBe("{{ steps.vt_2.output");
  });
});

describe("renaming inside values and nodes", () => {
  it("renames every string of a nested value and shares what did not change", () => {
    const untouched = { kind: ["{{ trigger.kind }}"] };
    const value = { ip: "{{ steps.vt.output.ip }}", list: [1, "{{ steps['vt'].status }}", null], untouched };
    const renamed = renameInValue(value, renames);
    expect(renamed).toEqual({
      ip: "{{ steps.vt_2.output.ip }}",
      list: [1, "{{ steps['vt_2'].status }}", null],
      untouched,
    });
    expect(renamed.untouched).toBe(untouched);
    expect(renameInValue(untouched, renames)).toBe(untouched);
  });

  it("renames the expression fields of a node and nothing else", () => {
    const node: PlaybookNode = {
      id: "vt",
      kind: "action",
      action: "steps.vt",
      title: "{{ steps.vt.output }}",
      inputs: { text: "{{ steps.vt.output }}" },
    };
    expect(renameInNode(node, renames)).toEqual({ ...node, inputs: { text: "{{ steps.vt_2.output }}" } });
    const condition: PlaybookNode = {
      id: "c",
      kind: "condition",
      condition: { any: [{ left: "{{ steps.vt.status }}", op: "eq", right: "failed" }] },
    };
    expect(renameInNode(condition, renames)).toEqual({
      ...condition,
      condition: { any: [{ left: "{{ steps.vt_2.status }}", op: "eq", right: "failed" }] },
    });
    const loop: PlaybookNode = { id: "f", kind: "foreach", items: "{{ steps.vt.output.ips }}" };
    expect(renameInNode(loop, renames)).toEqual({ ...loop, items: "{{ steps.vt_2.output.ips }}" });
    const plain: PlaybookNode = { id: "s", kind: "switch", on: "{{ trigger.x }}", cases: ["a"] };
    expect(renameInNode(plain, renames)).toBe(plain);
  });
});
