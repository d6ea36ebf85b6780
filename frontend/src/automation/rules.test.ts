import { describe, expect, it } from "vitest";
import {
  actionText,
  actionTypesFor,
  compareRules,
  conditionText,
  conditionsText,
  fromLocalInput,
  isExpired,
  operatorsFor,
  parseRule,
  parseRuleList,
  propertiesFor,
  reorder,
  sortRules,
  suggestedOrder,
  toLocalInput,
} from "./rules";
import type { ConditionGroup } from "./rules";

const RULE_BODY = {
  id: "r-1",
  workspace_id: "ws-1",
  name: "Triage medium incidents",
  order: 10,
  enabled: true,
  expires_at: null,
  trigger: "incident_created",
  conditions: {
    all: [
      { property: "severity", operator: "equals", values: ["Medium", "High"] },
      {
        any: [
          { property: "title", operator: "contains", values: ["malicious"] },
          { property: "entity_kinds", operator: "equals", values: ["ip"] },
        ],
      },
    ],
  },
  actions: [
    { type: "change_status", status: "active" },
    { type: "run_playbook", playbook_id: "pb-1" },
    { type: "open_ticket", queue: "soc" },
  ],
  created_at: "2025-03-05T13:00:00Z",
  updated_at: "2025-03-05T13:00:00Z",
};

describe("parseRule", () => {
  it("reads conditions as nested groups and actions with their value", () => {
    const rule = parseRule(RULE_BODY, "rule");
    expect(rule.conditions).toEqual({
      kind: "group",
      combinator: "all",
      items: [
        { kind: "condition", property: "severity", operator: "equals", values: ["Medium", "High"] },
        {
          kind: "group",
          combinator: "any",
          items: [
            { kind: "condition", property: "title", operator: "contains", values: ["malicious"] },
            { kind: "condition", property: "entity_kinds", operator: "equals", values: ["ip"] },
          ],
        },
      ],
    });
    expect(rule.actions.map((action) => [action.type, action.value])).toEqual([
      ["change_status", "active"],
      ["run_playbook", "pb-1"],
      ["open_ticket", ""],
    ]);
    expect(rule.actions[2]?.raw).toEqual({ type: "open_ticket", queue: "soc" });
  });

  it("reads a rule without conditions, and a changed condition without values", () => {
    const rule = parseRule(
      {
        ...RULE_BODY,
        trigger: "incident_updated",
        conditions: { any: [{ property: "owner", operator: "changed" }] },
      },
      "rule",
    );
    expect(rule.conditions?.items[0]).toEqual({ kind: "condition", property: "owner", operator: "changed", values: [] });
    expect(parseRule({ ...RULE_BODY, conditions: null }, "rule").conditions).toBeNull();
  });

  it("names what is malformed", () => {
    expect(() => parseRuleList({ data: [{ ...RULE_BODY, order: "10" }] })).toThrow("response.data[0].order");
    expect(() => parseRule({ ...RULE_BODY, conditions: { all: [{ property: "title", operator: "equals", values: [1] }] } }, "rule")).toThrow(
      "rule.conditions.all[0].values[0]",
    );
  });
});

describe("in words", () => {
  it("says a condition with its values", () => {
    expect(conditionText({ kind: "condition", property: "severity", operator: "equals", values: ["high"] })).toBe(
      "Severity equals High",
    );
    expect(
      conditionText({ kind: "condition", property: "title", operator: "not_contains", values: ["test", "demo", "lab"] }),
    ).toBe("Title does not contain “test”, “demo” or “lab”");
    expect(conditionText({ kind: "condition", property: "owner", operator: "changed", values: [] })).toBe("Owner changed");
  });

  it("joins a group with and/or, nested groups in brackets", () => {
    const rule = parseRule(RULE_BODY, "rule");
    expect(conditionsText(rule.conditions)).toBe(
      "Severity equals Medium or High and (Title contains “malicious” or Entity kinds equals “ip”)",
    );
    expect(conditionsText(null)).toBe("Always");
    const empty: ConditionGroup = { kind: "group", combinator: "any", items: [] };
    expect(conditionsText(empty)).toBe("Always");
  });

  it("says each action, naming playbooks", () => {
    const rule = parseRule(RULE_BODY, "rule");
    const names = (id: string) => (id === "pb-1" ? "Block IP" : id);
    expect(rule.actions.map((action) => actionText(action, names))).toEqual([
      "Change status to Active",
      "Run playbook “Block IP”",
      "open_ticket",
    ]);
    expect(actionText({ type: "add_label", value: "vip", raw: {} }, names)).toBe("Add label “vip”");
    expect(actionText({ type: "assign_owner", value: "bob", raw: {} }, names)).toBe("Assign to bob");
  });
});

describe("what a trigger offers", () => {
  it("keeps incident-only properties, actions and changed out of the others", () => {
    expect(propertiesFor("alert_created")).not.toContain("owner");
    expect(propertiesFor("incident_created")).toContain("owner");
    expect(operatorsFor("incident_created")).not.toContain("changed");
    expect(operatorsFor("incident_updated")).toContain("changed");
    expect(actionTypesFor("alert_created")).toEqual(["run_playbook"]);
  });
});

const rule = (id: string, order: number, name = id) => ({ id, order, name });
const ids = (rules: { id: string }[]) => rules.map((item) => item.id);

/** The list after applying the changes, sorted the way the server runs it. */
function after(rules: { id: string; order: number; name: string }[], changes: { id: string; order: number }[]) {
  return ids(
    sortRules(rules.map((item) => ({ ...item, order: changes.find((change) => change.id === item.id)?.order ?? item.order }))),
  );
}

describe("sortRules", () => {
  it("orders by order, then name by code point", () => {
    expect(ids(sortRules([rule("b", 5), rule("a", 5), rule("z", 1), rule("É", 5), rule("Z", 5)]))).toEqual([
      "z",
      "Z",
      "a",
      "b",
      "É",
    ]);
    expect(compareRules(rule("x", 1, "same"), rule("y", 1, "same"))).toBeLessThan(0);
  });
});

describe("reorder", () => {
  it("swaps the orders of two neighbours with different orders", () => {
    const rules = [rule("a", 10), rule("b", 20), rule("c", 30)];
    expect(reorder(rules, 2, -1)).toEqual([
      { id: "c", order: 20 },
      { id: "b", order: 30 },
    ]);
    expect(after(rules, reorder(rules, 0, 1))).toEqual(["b", "a", "c"]);
  });

  it("moves rules with equal orders, which run by name", () => {
    const rules = [rule("a", 500), rule("b", 500), rule("c", 500)];
    expect(reorder(rules, 2, -1)).toEqual([{ id: "b", order: 501 }]);
    expect(after(rules, reorder(rules, 2, -1))).toEqual(["a", "c", "b"]);
    expect(after(rules, reorder(rules, 1, -1))).toEqual(["b", "a", "c"]);
    expect(after(rules, reorder(rules, 0, 1))).toEqual(["b", "a", "c"]);
  });

  it("does not trust a swap that ties with a third rule", () => {
    // z has the same order as x; swapping y's and z's orders would put z before x (by name).
    const rules = [rule("x", 5, "x"), rule("y", 5, "y"), rule("z", 7, "a")];
    const changes = reorder(rules, 2, -1);
    expect(after(rules, changes)).toEqual(["x", "z", "y"]);
  });

  it("moves nothing past either end, or past the highest order", () => {
    const rules = [rule("a", 999), rule("b", 1000), rule("c", 1000)];
    expect(reorder(rules, 0, -1)).toEqual([]);
    expect(reorder(rules, 2, 1)).toEqual([]);
    expect(reorder(rules, 2, -1)).toEqual([]);
  });
});

describe("expiry", () => {
  it("knows an expired rule", () => {
    const now = new Date("2025-03-05T13:00:00Z");
    expect(isExpired({ expiresAt: "2025-03-05T12:59:59Z" }, now)).toBe(true);
    expect(isExpired({ expiresAt: "2025-03-05T13:00:01Z" }, now)).toBe(false);
    expect(isExpired({ expiresAt: null }, now)).toBe(false);
  });

  it("reads back the local input it writes, to the minute", () => {
    const iso = "2025-03-05T13:07:00.000Z";
    expect(fromLocalInput(toLocalInput(iso))).toBe(iso);
    expect(toLocalInput(null)).toBe("");
    expect(fromLocalInput("  ")).toBeNull();
  });
});

describe("suggestedOrder", () => {
  it("puts a new rule after the others", () => {
    expect(suggestedOrder([])).toBe(100);
    expect(suggestedOrder([{ order: 10 }, { order: 500 }])).toBe(510);
    expect(suggestedOrder([{ order: 995 }])).toBe(1000);
  });
});
