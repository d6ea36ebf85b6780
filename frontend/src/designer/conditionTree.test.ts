import { describe, expect, it } from "vitest";
import type { ConditionGroup, ConditionRule } from "../graph/document";
import { addGroup, addRule, emptyRule, groupAt, removeItem, replaceItem, setCombinator } from "./conditionTree";

const severity: ConditionRule = { left: "{{ trigger.severity }}", op: "eq", right: "High" };
const private10: ConditionRule = { left: "{{ item.address }}", op: "in_cidr", right: "10.0.0.0/8" };
const private192: ConditionRule = { left: "{{ item.address }}", op: "starts_with", right: "192." };

/** severity = High and (ip in 10/8 or ip starts with 192.) */
function nested(): ConditionGroup {
  return { all: [severity, { any: [private10, private192] }] };
}

describe("condition tree edits", () => {
  it("builds a nested or-group inside an and-group, step by step", () => {
    let condition: ConditionGroup = { all: [severity] };
    condition = addGroup(condition, []);
    expect(condition).toEqual({ all: [severity, { any: [emptyRule()] }] });
    condition = replaceItem(condition, [1, 0], private10);
    condition = addRule(condition, [1]);
    condition = replaceItem(condition, [1, 1], private192);
    expect(condition).toEqual(nested());
  });

  it("joins a new group the other way from its parent", () => {
    expect(addGroup({ any: [severity] }, [])).toEqual({ any: [severity, { all: [emptyRule()] }] });
  });

  it("changes the combinator of the group at a path only", () => {
    expect(setCombinator(nested(), [1], "all")).toEqual({ all: [severity, { all: [private10, private192] }] });
    expect(setCombinator(nested(), [], "any")).toEqual({ any: [severity, { any: [private10, private192] }] });
  });

  it("copies only the groups along the path and keeps the rest shared", () => {
    const before = nested();
    const after = replaceItem(before, [1, 1], { ...private192, right: "172." });
    expect(after).not.toBe(before);
    expect(groupAt(after, [1])).not.toBe(groupAt(before, [1]));
    expect("all" in after && after.all[0]).toBe(severity);
    expect(groupAt(after, [1])).toEqual({ any: [private10, { ...private192, right: "172." }] });
  });

  it("returns the same condition when nothing changes", () => {
    const before = nested();
    expect(setCombinator(before, [1], "any")).toBe(before);
    expect(replaceItem(before, [0], severity)).toBe(before);
    expect(replaceItem(before, [0, 0], private10)).toBe(before);
    expect(replaceItem(before, [5], private10)).toBe(before);
    expect(addRule(before, [0])).toBe(before);
    expect(removeItem(before, [])).toBe(before);
    expect(removeItem(before, [1, 7])).toBe(before);
  });

  it("removes a rule from a nested group", () => {
    expect(removeItem(nested(), [1, 0])).toEqual({ all: [severity, { any: [private192] }] });
  });

  it("removes a nested group with everything in it", () => {
    expect(removeItem(nested(), [1])).toEqual({ all: [severity] });
  });

  it("drops nested groups its last rule leaves empty, but keeps the top group", () => {
    const deep: ConditionGroup = { all: [severity, { any: [{ all: [private10] }] }] };
    expect(removeItem(deep, [1, 0, 0])).toEqual({ all: [severity] });
    expect(removeItem({ any: [severity] }, [0])).toEqual({ any: [] });
  });

  it("finds groups by path, and nothing where a rule is", () => {
    expect(groupAt(nested(), [])).toEqual(nested());
    expect(groupAt(nested(), [1])).toEqual({ any: [private10, private192] });
    expect(groupAt(nested(), [0])).toBeUndefined();
    expect(groupAt(nested(), [3])).toBeUndefined();
  });
});
