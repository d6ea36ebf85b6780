import { describe, expect, it } from "vitest";
import {
  appendItem,
  blankDraft,
  changeItem,
  conditionPaths,
  draftOf,
  newCondition,
  newGroup,
  placeProblems,
  problemText,
  problemsOf,
  ruleBody,
  splitValues,
  toggleValue,
} from "./draft";
import type { GroupDraft, RuleDraft } from "./draft";
import { parseRule } from "./rules";

const RULE_BODY = {
  id: "r-1",
  workspace_id: "ws-1",
  name: "Triage",
  order: 10,
  enabled: false,
  expires_at: null,
  trigger: "incident_updated",
  conditions: {
    any: [
      { property: "owner", operator: "changed" },
      { all: [{ property: "labels", operator: "equals", values: ["vip", "exec"] }] },
    ],
  },
  actions: [
    { type: "add_label", label: "triaged" },
    { type: "open_ticket", queue: "soc" },
  ],
  created_at: "2025-03-05T13:00:00Z",
  updated_at: "2025-03-05T13:00:00Z",
};

describe("ruleBody", () => {
  it("gives back the rule a draft was made from", () => {
    const body = ruleBody(draftOf(parseRule(RULE_BODY, "rule")));
    expect(body).toEqual({
      name: "Triage",
      order: 10,
      enabled: false,
      expires_at: null,
      trigger: "incident_updated",
      conditions: RULE_BODY.conditions,
      actions: RULE_BODY.actions,
    });
  });

  it("writes what the form holds: trimmed text, values split at commas, no empty conditions", () => {
    const draft: RuleDraft = {
      ...blankDraft(120),
      name: "  Label high incidents ",
      conditions: { ...newGroup("all"), items: [{ ...newCondition("severity", "equals"), valuesText: "high, medium," }] },
      actions: [{ key: "a", type: "add_label", value: " vip ", raw: null }],
    };
    expect(ruleBody(draft)).toEqual({
      name: "Label high incidents",
      order: 120,
      enabled: true,
      expires_at: null,
      trigger: "incident_created",
      conditions: { all: [{ property: "severity", operator: "equals", values: ["high", "medium"] }] },
      actions: [{ type: "add_label", label: "vip" }],
    });
    expect(ruleBody({ ...draft, conditions: newGroup("any") })).not.toHaveProperty("conditions");
  });

  it("sends an order that is not a number as typed, for the server to explain", () => {
    expect(ruleBody({ ...blankDraft(), order: "ten" }).order).toBe("ten");
    expect(ruleBody({ ...blankDraft(), order: " 7 " }).order).toBe(7);
  });
});

describe("values", () => {
  it("splits and toggles comma-separated values, ignoring case", () => {
    expect(splitValues(" a, b ,,c ")).toEqual(["a", "b", "c"]);
    expect(toggleValue("high", "medium", true)).toBe("high, medium");
    expect(toggleValue("High, medium", "high", false)).toBe("medium");
  });
});

describe("editing the tree", () => {
  const inner: GroupDraft = { ...newGroup("any"), items: [newCondition("title", "contains")] };
  const root: GroupDraft = { ...newGroup("all"), items: [newCondition(), inner] };

  it("changes and removes items at any depth, leaving the rest as they were", () => {
    const target = inner.items[0];
    if (target === undefined) throw new Error("no condition");
    const changed = changeItem(root, target.key, (item) =>
      item.kind === "condition" ? { ...item, operator: "ends_with" } : item,
    );
    expect(changed.items[0]).toBe(root.items[0]);
    expect((changed.items[1] as GroupDraft).items[0]).toMatchObject({ operator: "ends_with" });
    expect(changeItem(root, inner.key, () => null).items).toHaveLength(1);
    expect(changeItem(root, "missing", () => null)).toBe(root);
  });

  it("appends to a nested group", () => {
    const added = appendItem(root, inner.key, newCondition("owner"));
    expect((added.items[1] as GroupDraft).items.map((item) => (item.kind === "condition" ? item.property : ""))).toEqual([
      "title",
      "owner",
    ]);
  });

  it("knows the path the server uses for each item", () => {
    const paths = conditionPaths(root);
    expect(paths.get(root.key)).toBe("conditions");
    expect(paths.get(inner.key)).toBe("conditions.all[1]");
    expect(paths.get(inner.items[0]?.key ?? "")).toBe("conditions.all[1].any[0]");
  });
});

describe("placing the server's problems", () => {
  const places = ["name", "order", "actions", "actions[0]", "actions[1]", "conditions", "conditions.all[0]"];

  it("puts each problem at the deepest place its field is in", () => {
    const { byPlace, unplaced } = placeProblems(
      [
        { field: "name", message: "'' should be non-empty" },
        { field: "actions[1].playbook_id", message: "actions[1].playbook_id: 'X' starts with soarflow.alert_created" },
        { field: "conditions.all[0].values", message: "equals needs at least one value" },
        { field: "conditions.all[3]", message: "odd" },
        { field: "", message: "only enabled and order" },
      ],
      places,
    );
    expect(Object.fromEntries(byPlace)).toEqual({
      name: ["Fill this in"],
      "actions[1]": ["Playbook: 'X' starts with soarflow.alert_created"],
      "conditions.all[0]": ["equals needs at least one value"],
      conditions: ["odd"],
    });
    expect(unplaced).toEqual([{ field: "", message: "only enabled and order" }]);
  });

  it("names the inner field unless the message does", () => {
    expect(problemText({ field: "actions[0].label", message: "'' should be non-empty" }, "actions[0]")).toBe(
      "Label: Fill this in",
    );
    expect(problemText({ field: "actions", message: "[] should be non-empty" }, "actions")).toBe("Add at least one");
    expect(problemText({ field: "conditions.all[0].operator", message: "changed applies to updated incidents" }, "conditions.all[0]")).toBe(
      "Operator: changed applies to updated incidents",
    );
  });

  it("reads the fields out of the API's errors", () => {
    expect(
      problemsOf({
        code: "invalid_fields",
        message: "fix these fields: $.name",
        details: { problems: [{ field: "name", code: "schema", message: "too short" }, "junk"] },
      }),
    ).toEqual([{ field: "name", message: "too short" }]);
    expect(
      problemsOf({ code: "trigger_kind_mismatch", message: "does not fit", details: { field: "actions[0].playbook_id" } }),
    ).toEqual([{ field: "actions[0].playbook_id", message: "does not fit" }]);
    expect(problemsOf({ code: "network_error", message: "down", details: {} })).toEqual([]);
  });
});
