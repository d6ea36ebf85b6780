// The automation rule form as data: a draft made from a rule (or blank), edited, and turned into
// the body POST and PUT take; and the server's problems, each put next to the field it names.

import { isObject } from "../json";
import type { JsonObject } from "../json";
import type { AutomationRule, Combinator, Condition, ConditionGroup, RuleAction } from "./rules";
import { ACTION_FIELDS, fromLocalInput, toLocalInput } from "./rules";

export interface ConditionDraft {
  kind: "condition";
  /** Stable across edits, for React's keys. */
  key: string;
  property: string;
  operator: string;
  /** The values as typed, comma-separated. */
  valuesText: string;
}

export interface GroupDraft {
  kind: "group";
  key: string;
  combinator: Combinator;
  items: (ConditionDraft | GroupDraft)[];
}

export interface ActionDraft {
  key: string;
  type: string;
  value: string;
  /** An action of a type this build does not know, sent back as it came. */
  raw: JsonObject | null;
}

export interface RuleDraft {
  name: string;
  /** As typed; the server checks it is a whole number from 1 to 1000. */
  order: string;
  enabled: boolean;
  /** A datetime-local value, "" for never. */
  expiresAt: string;
  trigger: string;
  conditions: GroupDraft;
  actions: ActionDraft[];
}

let lastKey = 0;
export function newKey(): string {
  lastKey += 1;
  return `k${lastKey}`;
}

export function newCondition(property = "severity", operator = "equals"): ConditionDraft {
  return { kind: "condition", key: newKey(), property, operator, valuesText: "" };
}

export function newGroup(combinator: Combinator = "all"): GroupDraft {
  return { kind: "group", key: newKey(), combinator, items: [] };
}

export function newAction(type = "add_label"): ActionDraft {
  return { key: newKey(), type, value: "", raw: null };
}

/** What "New rule" starts from: runs on new incidents, one condition to fill in, one action. */
export function blankDraft(order = 500): RuleDraft {
  return {
    name: "",
    order: String(order),
    enabled: true,
    expiresAt: "",
    trigger: "incident_created",
    conditions: { ...newGroup("all"), items: [newCondition()] },
    actions: [newAction("run_playbook")],
  };
}

function groupDraft(group: ConditionGroup): GroupDraft {
  return {
    kind: "group",
    key: newKey(),
    combinator: group.combinator,
    items: group.items.map((item) =>
      item.kind === "condition"
        ? {
            kind: "condition",
            key: newKey(),
            property: item.property,
            operator: item.operator,
            valuesText: joinValues(item.values),
          }
        : groupDraft(item),
    ),
  };
}

function actionDraft(action: RuleAction): ActionDraft {
  return {
    key: newKey(),
    type: action.type,
    value: action.value,
    raw: ACTION_FIELDS.has(action.type) ? null : action.raw,
  };
}

export function draftOf(rule: AutomationRule): RuleDraft {
  return {
    name: rule.name,
    order: String(rule.order),
    enabled: rule.enabled,
    expiresAt: toLocalInput(rule.expiresAt),
    trigger: rule.trigger,
    conditions: rule.conditions === null ? newGroup("all") : groupDraft(rule.conditions),
    actions: rule.actions.map(actionDraft),
  };
}

// --- Values ---------------------------------------------------------------------------------

/** "High, Medium" → ["High", "Medium"]: trimmed, empty ones dropped. */
export function splitValues(text: string): string[] {
  return text
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value !== "");
}

export function joinValues(values: readonly string[]): string {
  return values.join(", ");
}

/** The values with one switched on or off, compared without case as the server does. */
export function toggleValue(text: string, value: string, on: boolean): string {
  const values = splitValues(text).filter((item) => item.toLowerCase() !== value.toLowerCase());
  return joinValues(on ? [...values, value] : values);
}

export function hasValue(text: string, value: string): boolean {
  return splitValues(text).some((item) => item.toLowerCase() === value.toLowerCase());
}

// --- The body -------------------------------------------------------------------------------

function conditionBody(condition: ConditionDraft): Condition | JsonObject {
  if (condition.operator === "changed") return { property: condition.property, operator: condition.operator };
  return { property: condition.property, operator: condition.operator, values: splitValues(condition.valuesText) };
}

function groupBody(group: GroupDraft): JsonObject {
  const items = group.items.map((item) => (item.kind === "condition" ? conditionBody(item) : groupBody(item)));
  return { [group.combinator]: items };
}

function actionBody(action: ActionDraft): JsonObject {
  if (action.raw !== null) return action.raw;
  const field = ACTION_FIELDS.get(action.type);
  if (field === undefined) return { type: action.type };
  const value = action.type === "assign_owner" || action.type === "add_label" ? action.value.trim() : action.value;
  return { type: action.type, [field]: value };
}

/** The order as a number when it is one; else as typed, for the server to say what is wrong. */
function orderBody(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/**
 * The body of POST and PUT /api/v1/automation-rules. A rule without conditions leaves them out:
 * it applies to every incident (or alert) of its trigger.
 */
export function ruleBody(draft: RuleDraft): JsonObject {
  const body: JsonObject = {
    name: draft.name.trim(),
    order: orderBody(draft.order),
    enabled: draft.enabled,
    expires_at: fromLocalInput(draft.expiresAt),
    trigger: draft.trigger,
    actions: draft.actions.map(actionBody),
  };
  if (draft.conditions.items.length > 0) body["conditions"] = groupBody(draft.conditions);
  return body;
}

// --- Where each problem goes ----------------------------------------------------------------

/** The path of each condition and group in the body, as the server names fields (`conditions.all[0]`). */
export function conditionPaths(group: GroupDraft, path = "conditions"): Map<string, string> {
  const paths = new Map<string, string>([[group.key, path]]);
  group.items.forEach((item, index) => {
    const itemPath = `${path}.${group.combinator}[${index}]`;
    if (item.kind === "condition") paths.set(item.key, itemPath);
    else for (const [key, value] of conditionPaths(item, itemPath)) paths.set(key, value);
  });
  return paths;
}

export interface Problem {
  /** The field as the server names it: `name`, `actions[1].playbook_id`, "" for the whole body. */
  field: string;
  message: string;
}

/**
 * Problems by the place in the form that shows them. `places` are the form's paths: a problem
 * goes to the longest one its field is or starts with (`conditions.all[0].values` goes to the
 * condition `conditions.all[0]`); one that matches none is in `unplaced`, for the form's top.
 */
export function placeProblems(
  problems: readonly Problem[],
  places: readonly string[],
): { byPlace: Map<string, string[]>; unplaced: Problem[] } {
  const byPlace = new Map<string, string[]>();
  const unplaced: Problem[] = [];
  const longestFirst = [...places].sort((a, b) => b.length - a.length);
  for (const problem of problems) {
    const place = longestFirst.find(
      (candidate) =>
        problem.field === candidate ||
        problem.field.startsWith(`${candidate}.`) ||
        problem.field.startsWith(`${candidate}[`),
    );
    if (place === undefined) {
      unplaced.push(problem);
      continue;
    }
    byPlace.set(place, [...(byPlace.get(place) ?? []), problemText(problem, place)]);
  }
  return { byPlace, unplaced };
}

/**
 * A problem as a person reads it. JSON Schema's wording ("'' should be non-empty") is said
 * plainly, the field the server prefixes its message with is left out, and a problem about a
 * field inside the place shown (a condition's values) says which.
 */
export function problemText(problem: Problem, place: string): string {
  let message = problem.message.trim();
  const prefix = `${problem.field}: `;
  if (problem.field !== "" && message.startsWith(prefix)) message = message.slice(prefix.length);
  if (/^'' (should be non-empty|is too short)$/.test(message)) message = "Fill this in";
  else if (/^\[\] (should be non-empty|is too short)$/.test(message)) message = "Add at least one";
  const inner = problem.field.slice(place.length).replace(/^\./, "");
  const fieldName = /^[a-z_]+$/.test(inner) ? (FIELD_NAMES.get(inner) ?? inner.replace(/_/g, " ")) : "";
  const said = message.toLowerCase().includes(fieldName.replace(/s$/, ""));
  return fieldName === "" || said ? message : `${capitalised(fieldName)}: ${message}`;
}

const FIELD_NAMES: ReadonlyMap<string, string> = new Map([["playbook_id", "playbook"]]);

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// --- Editing the tree -----------------------------------------------------------------------

type Item = ConditionDraft | GroupDraft;

/**
 * The group with the item of this key (a condition or a group, at any depth) replaced by what
 * `change` makes of it, or taken out when that is null. The root itself is never taken out.
 */
export function changeItem(root: GroupDraft, key: string, change: (item: Item) => Item | null): GroupDraft {
  if (root.key === key) {
    const changed = change(root);
    return changed !== null && changed.kind === "group" ? changed : root;
  }
  let touched = false;
  const items: Item[] = [];
  for (const item of root.items) {
    if (item.key === key) {
      touched = true;
      const changed = change(item);
      if (changed !== null) items.push(changed);
    } else if (item.kind === "group") {
      const changed = changeItem(item, key, change);
      if (changed !== item) touched = true;
      items.push(changed);
    } else {
      items.push(item);
    }
  }
  return touched ? { ...root, items } : root;
}

/** The group of this key with one more item at its end. */
export function appendItem(root: GroupDraft, groupKey: string, item: Item): GroupDraft {
  return changeItem(root, groupKey, (group) => (group.kind === "group" ? { ...group, items: [...group.items, item] } : group));
}

/**
 * The problems an error names fields for: every one of invalid_fields, or the one field of
 * trigger_kind_mismatch and unknown_playbook. Empty for an error about no field in particular.
 */
export function problemsOf(error: { code: string; message: string; details: JsonObject }): Problem[] {
  const listed = error.details["problems"];
  if (Array.isArray(listed)) {
    return listed.flatMap((item): Problem[] => {
      if (!isObject(item)) return [];
      const { field, message } = item;
      return typeof field === "string" && typeof message === "string" ? [{ field, message }] : [];
    });
  }
  const field = error.details["field"];
  return typeof field === "string" ? [{ field, message: error.message }] : [];
}
