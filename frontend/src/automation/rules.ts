// Automation rules (backend/soarflow/automation/rules.py): read from the API, said in words, and
// the order they run in. The form's draft and its checks are in draft.ts.

import { fail, isObject, readArray, readBoolean, readCount, readNullableString, readString, readTimestamp } from "../json";
import type { JsonObject } from "../json";
import { severityLabel, statusLabel } from "../incidents/model";

export const TRIGGERS = ["incident_created", "incident_updated", "alert_created"] as const;

export const PROPERTIES = [
  "severity",
  "status",
  "title",
  "source_product",
  "rule_name",
  "tactics",
  "labels",
  "entity_kinds",
  "owner",
] as const;

export const OPERATORS = [
  "equals",
  "not_equals",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "changed",
] as const;

export const ACTION_TYPES = ["run_playbook", "change_status", "change_severity", "assign_owner", "add_label"] as const;

/** The one field each action type takes besides its type. */
export const ACTION_FIELDS: ReadonlyMap<string, string> = new Map([
  ["run_playbook", "playbook_id"],
  ["change_status", "status"],
  ["change_severity", "severity"],
  ["assign_owner", "owner"],
  ["add_label", "label"],
]);

/** Statuses an action may set: closing needs a classification, which a rule cannot give. */
export const ACTION_STATUSES = ["new", "active"] as const;

/** Nested all/any groups go this deep, the top group being 1 (MAX_DEPTH on the server). */
export const MAX_GROUP_DEPTH = 4;

const TRIGGER_LABELS: ReadonlyMap<string, string> = new Map([
  ["incident_created", "When an incident is created"],
  ["incident_updated", "When an incident is updated"],
  ["alert_created", "When an alert is created"],
]);

const PROPERTY_LABELS: ReadonlyMap<string, string> = new Map([
  ["severity", "Severity"],
  ["status", "Status"],
  ["title", "Title"],
  ["source_product", "Source product"],
  ["rule_name", "Analytics rule"],
  ["tactics", "Tactics"],
  ["labels", "Labels"],
  ["entity_kinds", "Entity kinds"],
  ["owner", "Owner"],
]);

const OPERATOR_LABELS: ReadonlyMap<string, string> = new Map([
  ["equals", "equals"],
  ["not_equals", "does not equal"],
  ["contains", "contains"],
  ["not_contains", "does not contain"],
  ["starts_with", "starts with"],
  ["ends_with", "ends with"],
  ["changed", "changed"],
]);

const ACTION_LABELS: ReadonlyMap<string, string> = new Map([
  ["run_playbook", "Run playbook"],
  ["change_status", "Change status"],
  ["change_severity", "Change severity"],
  ["assign_owner", "Assign owner"],
  ["add_label", "Add label"],
]);

export function triggerText(trigger: string): string {
  return TRIGGER_LABELS.get(trigger) ?? trigger;
}

export function propertyLabel(property: string): string {
  return PROPERTY_LABELS.get(property) ?? property;
}

export function operatorLabel(operator: string): string {
  return OPERATOR_LABELS.get(operator) ?? operator;
}

export function actionLabel(type: string): string {
  return ACTION_LABELS.get(type) ?? type;
}

/** The playbook trigger kind (the list's triggerKind) a rule's playbooks must have. */
export function playbookKindFor(trigger: string): string {
  return trigger === "alert_created" ? "alert" : "incident";
}

/** Properties a rule on this trigger may read: an alert has no status, labels or owner. */
export function propertiesFor(trigger: string): readonly string[] {
  if (trigger !== "alert_created") return PROPERTIES;
  return PROPERTIES.filter((property) => property !== "status" && property !== "labels" && property !== "owner");
}

/** Operators a rule on this trigger may use: `changed` only compares an update with before. */
export function operatorsFor(trigger: string): readonly string[] {
  return trigger === "incident_updated" ? OPERATORS : OPERATORS.filter((operator) => operator !== "changed");
}

/** Actions a rule on this trigger may take: an alert rule can only run playbooks. */
export function actionTypesFor(trigger: string): readonly string[] {
  return trigger === "alert_created" ? ["run_playbook"] : ACTION_TYPES;
}

// --- Shapes ---------------------------------------------------------------------------------

export type Combinator = "all" | "any";

export interface Condition {
  kind: "condition";
  property: string;
  operator: string;
  values: string[];
}

export interface ConditionGroup {
  kind: "group";
  combinator: Combinator;
  items: (Condition | ConditionGroup)[];
}

export interface RuleAction {
  type: string;
  /** The value of the type's one field (a playbook id, a status...); "" if it has none. */
  value: string;
  /** The action as sent, kept whole for types this build does not know. */
  raw: JsonObject;
}

export interface AutomationRule {
  id: string;
  workspaceId: string;
  name: string;
  order: number;
  enabled: boolean;
  expiresAt: string | null;
  trigger: string;
  conditions: ConditionGroup | null;
  actions: RuleAction[];
  createdAt: string;
  updatedAt: string;
}

// --- Readers --------------------------------------------------------------------------------

function readValues(value: JsonObject, path: string): string[] {
  const values = value["values"];
  if (values === undefined) return [];
  if (!Array.isArray(values)) fail(`${path}.values`, "an array", values);
  return values.map((item, index) => {
    if (typeof item !== "string") fail(`${path}.values[${index}]`, "a string", item);
    return item;
  });
}

/** An all/any group; an item with a property or operator is a condition, any other a group. */
export function parseGroup(value: unknown, path: string): ConditionGroup {
  if (!isObject(value)) fail(path, "an object", value);
  const combinator: Combinator = "any" in value && !("all" in value) ? "any" : "all";
  const items = readArray(value, combinator, path).map((item, index): Condition | ConditionGroup => {
    const itemPath = `${path}.${combinator}[${index}]`;
    if (!isObject(item)) fail(itemPath, "an object", item);
    if ("property" in item || "operator" in item) {
      return {
        kind: "condition",
        property: readString(item, "property", itemPath),
        operator: readString(item, "operator", itemPath),
        values: readValues(item, itemPath),
      };
    }
    return parseGroup(item, itemPath);
  });
  return { kind: "group", combinator, items };
}

function parseAction(value: unknown, path: string): RuleAction {
  if (!isObject(value)) fail(path, "an object", value);
  const type = readString(value, "type", path);
  const field = ACTION_FIELDS.get(type);
  const fieldValue = field === undefined ? undefined : value[field];
  return { type, value: typeof fieldValue === "string" ? fieldValue : "", raw: value };
}

export function parseRule(value: unknown, path: string): AutomationRule {
  if (!isObject(value)) fail(path, "an object", value);
  const conditions = value["conditions"];
  const expiresAt = readNullableString(value, "expires_at", path);
  if (expiresAt !== null && Number.isNaN(Date.parse(expiresAt))) fail(`${path}.expires_at`, "a timestamp", expiresAt);
  return {
    id: readString(value, "id", path),
    workspaceId: readString(value, "workspace_id", path),
    name: readString(value, "name", path),
    order: readCount(value, "order", path),
    enabled: readBoolean(value, "enabled", path),
    expiresAt,
    trigger: readString(value, "trigger", path),
    conditions: conditions === null || conditions === undefined ? null : parseGroup(conditions, `${path}.conditions`),
    actions: readArray(value, "actions", path).map((item, index) => parseAction(item, `${path}.actions[${index}]`)),
    createdAt: readTimestamp(value, "created_at", path),
    updatedAt: readTimestamp(value, "updated_at", path),
  };
}

export function parseRuleBody(body: unknown): AutomationRule {
  return parseRule(body, "response");
}

export function parseRuleList(body: unknown): AutomationRule[] {
  if (!isObject(body)) fail("response", "an object", body);
  return readArray(body, "data", "response").map((item, index) => parseRule(item, `response.data[${index}]`));
}

// --- In words -------------------------------------------------------------------------------

function quoted(value: string): string {
  return `“${value}”`;
}

/** A value as the condition's property shows it: severities and statuses by their label. */
function valueText(property: string, value: string): string {
  if (property === "severity") return severityLabel(value.toLowerCase());
  if (property === "status") return statusLabel(value.toLowerCase());
  return quoted(value);
}

function listText(words: string[], conjunction: "or" | "and"): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} ${conjunction} ${words[words.length - 1] as string}`;
}

/** "Severity equals High or Medium", "Title does not contain “test” or “demo”". */
export function conditionText(condition: Condition): string {
  const property = propertyLabel(condition.property);
  if (condition.operator === "changed") return `${property} changed`;
  const values = listText(
    condition.values.map((value) => valueText(condition.property, value)),
    "or",
  );
  return `${property} ${operatorLabel(condition.operator)} ${values || "(no value)"}`;
}

/**
 * A group in words: its items joined with "and" (all) or "or" (any); nested groups in brackets.
 * No conditions at all reads "Always".
 */
export function conditionsText(group: ConditionGroup | null): string {
  if (group === null || group.items.length === 0) return "Always";
  return groupText(group, true);
}

function groupText(group: ConditionGroup, top: boolean): string {
  if (group.items.length === 0) return group.combinator === "all" ? "(always)" : "(never)";
  const joiner = group.combinator === "all" ? " and " : " or ";
  const text = group.items
    .map((item) => (item.kind === "condition" ? conditionText(item) : groupText(item, false)))
    .join(joiner);
  return top || group.items.length === 1 ? text : `(${text})`;
}

/** "Run playbook “Block IP”", "Change severity to High", "Add label “vip”". */
export function actionText(action: RuleAction, playbookName: (id: string) => string): string {
  switch (action.type) {
    case "run_playbook":
      return `Run playbook ${quoted(playbookName(action.value))}`;
    case "change_status":
      return `Change status to ${statusLabel(action.value)}`;
    case "change_severity":
      return `Change severity to ${severityLabel(action.value)}`;
    case "assign_owner":
      return `Assign to ${action.value}`;
    case "add_label":
      return `Add label ${quoted(action.value)}`;
    default:
      return actionLabel(action.type);
  }
}

// --- Order ----------------------------------------------------------------------------------

/** Strings by code point, as Python and the database compare names. */
function compareText(a: string, b: string): number {
  const left = Array.from(a, (char) => char.codePointAt(0) ?? 0);
  const right = Array.from(b, (char) => char.codePointAt(0) ?? 0);
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const difference = (left[index] as number) - (right[index] as number);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

interface Ordered {
  id: string;
  name: string;
  order: number;
}

/** Which of two rules runs first: by order, then by name (automation.rules.in_order). */
export function compareRules(a: Ordered, b: Ordered): number {
  return a.order - b.order || compareText(a.name, b.name) || compareText(a.id, b.id);
}

export function sortRules<T extends Ordered>(rules: readonly T[]): T[] {
  return [...rules].sort(compareRules);
}

export const MIN_ORDER = 1;
export const MAX_ORDER = 1000;

export interface OrderChange {
  id: string;
  order: number;
}

function runsInThisOrder(rules: readonly Ordered[]): boolean {
  return rules.every((rule, index) => index === 0 || compareRules(rules[index - 1] as Ordered, rule) < 0);
}

/**
 * The order changes that move the rule at `index` of a sorted list one place up (-1) or down (+1).
 * Two rules with different orders swap them. Rules with equal orders run by name, so a swap alone
 * may not move them: then the list from there on is given orders that put it in the wanted
 * sequence, changing as few rules as it can. Empty when the rule cannot move that way, or when
 * the orders run out (1 to 1000).
 */
export function reorder(rules: readonly Ordered[], index: number, direction: -1 | 1): OrderChange[] {
  const other = index + direction;
  if (index < 0 || index >= rules.length || other < 0 || other >= rules.length) return [];
  const wanted = [...rules];
  const a = wanted[index] as Ordered;
  const b = wanted[other] as Ordered;
  wanted[index] = b;
  wanted[other] = a;

  if (a.order !== b.order) {
    const swapped = wanted.map((rule) =>
      rule.id === a.id ? { ...rule, order: b.order } : rule.id === b.id ? { ...rule, order: a.order } : rule,
    );
    if (runsInThisOrder(swapped)) {
      return [
        { id: a.id, order: b.order },
        { id: b.id, order: a.order },
      ];
    }
  }

  // Walk the wanted sequence, keeping each rule's order while it still comes after the one
  // before, else giving it the next order that does.
  const changes: OrderChange[] = [];
  let previous: Ordered | null = null;
  for (const rule of wanted) {
    let order = rule.order;
    if (previous !== null && compareRules(previous, { ...rule, order }) >= 0) {
      order = compareRules(previous, { ...rule, order: previous.order }) < 0 ? previous.order : previous.order + 1;
    }
    if (order < MIN_ORDER || order > MAX_ORDER) return [];
    if (order !== rule.order) changes.push({ id: rule.id, order });
    previous = { ...rule, order };
  }
  return changes;
}

// --- Expiry ---------------------------------------------------------------------------------

export function isExpired(rule: { expiresAt: string | null }, now: Date): boolean {
  return rule.expiresAt !== null && Date.parse(rule.expiresAt) <= now.getTime();
}

function twoDigits(value: number): string {
  return String(value).padStart(2, "0");
}

/** An ISO time as a datetime-local input shows it, in the browser's time zone. */
export function toLocalInput(iso: string | null): string {
  if (iso === null) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return (
    `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}` +
    `T${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}`
  );
}

/** A datetime-local input's value (local time) as an ISO time with its zone; null when empty. */
export function fromLocalInput(value: string): string | null {
  if (value.trim() === "") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** Where a new rule goes: after the last one, 10 further on (room to put rules between). */
export function suggestedOrder(rules: readonly { order: number }[]): number {
  if (rules.length === 0) return 100;
  return Math.min(MAX_ORDER, Math.max(...rules.map((rule) => rule.order)) + 10);
}
