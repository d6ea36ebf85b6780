// The playbook document (format soarflow.playbook/v1) as the canvas edits it. The shapes follow
// backend/soarflow/playbook/playbook.schema.json; the branch vocabulary follows document.py.
// Layout lives apart from semantics (DESIGN.md section 2), so these types keep it in its own map.

export const FORMAT = "soarflow.playbook/v1";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonMap = { [key: string]: JsonValue };

export type RunAfterStatus = "succeeded" | "failed" | "skipped" | "timed_out";

/** In the order the canvas offers them; also the order setWhen stores them in. */
export const RUN_AFTER_STATUSES: readonly RunAfterStatus[] = ["succeeded", "failed", "skipped", "timed_out"];

/** What an edge without `when` means. */
export const DEFAULT_WHEN: readonly RunAfterStatus[] = ["succeeded"];

export interface TriggerSpec {
  id: string;
  type: string;
  title?: string;
  params?: JsonMap;
}

export interface VariableSpec {
  type: "string" | "integer" | "number" | "boolean" | "array" | "object";
  initial?: JsonValue;
  description?: string;
}

/** Where a node sits on the canvas. x/y are relative to the lane (branch) that holds the node, or
 * absolute for top-level nodes; w/h are the size the user asked for (containers still grow to fit
 * their content). */
export interface Box {
  x: number;
  y: number;
  w?: number;
  h?: number;
  collapsed?: boolean;
}

export interface RetrySpec {
  policy: "exponential" | "fixed" | "none";
  count?: number;
  interval?: string;
  min_interval?: string;
  max_interval?: string;
}

export type ConditionOp =
  | "eq"
  | "ne"
  | "gt"
  | "ge"
  | "lt"
  | "le"
  | "contains"
  | "not_contains"
  | "starts_with"
  | "ends_with"
  | "matches"
  | "in"
  | "not_in"
  | "in_cidr"
  | "is_empty"
  | "is_not_empty"
  | "is_true"
  | "is_false";

export interface ConditionRule {
  left: JsonValue;
  op: ConditionOp;
  right?: JsonValue;
  ignore_case?: boolean;
}

export type ConditionGroup = { all: ConditionItem[] } | { any: ConditionItem[] };
export type ConditionItem = ConditionRule | ConditionGroup;

interface NodeBase {
  id: string;
  title?: string;
  description?: string;
  /** Set together with `branch` for a node inside a container (the schema's dependentRequired). */
  parent?: string;
  branch?: string;
}

export interface ActionNode extends NodeBase {
  kind: "action";
  action: string;
  connection?: string;
  inputs?: JsonMap;
  retry?: RetrySpec;
  timeout?: string;
}

export interface ConditionNode extends NodeBase {
  kind: "condition";
  condition: ConditionGroup;
}

export type SwitchCase = string | number | boolean;

export interface SwitchNode extends NodeBase {
  kind: "switch";
  on: JsonValue;
  cases: SwitchCase[];
}

export interface ForeachNode extends NodeBase {
  kind: "foreach";
  items: JsonValue;
  concurrency?: number;
}

export interface UntilNode extends NodeBase {
  kind: "until";
  condition: ConditionGroup;
  max_iterations?: number;
  timeout?: string;
}

export interface ScopeNode extends NodeBase {
  kind: "scope";
}

export type PlaybookNode = ActionNode | ConditionNode | SwitchNode | ForeachNode | UntilNode | ScopeNode;
export type NodeKind = PlaybookNode["kind"];
export type ContainerNode = Exclude<PlaybookNode, ActionNode>;

/** A run-after dependency: target runs once source has finished with a status in `when`. */
export interface Edge {
  source: string;
  target: string;
  /** Only on a start edge (container to its own child): the branch it starts. */
  branch?: string;
  when?: RunAfterStatus[];
}

export interface PlaybookDocument {
  format: typeof FORMAT;
  name: string;
  description?: string;
  trigger?: TriggerSpec;
  variables?: Record<string, VariableSpec>;
  nodes?: PlaybookNode[];
  edges?: Edge[];
  layout?: Record<string, Box>;
}

export const NODE_KINDS: readonly NodeKind[] = ["action", "condition", "switch", "foreach", "until", "scope"];

// Mirrors CONTAINER_BRANCHES in document.py; switch is computed from its cases.
const CONTAINER_BRANCHES: Readonly<Record<Exclude<NodeKind, "action" | "switch">, readonly string[]>> = {
  condition: ["true", "false"],
  foreach: ["body"],
  until: ["body"],
  scope: ["body"],
};

export const SWITCH_DEFAULT = "default";

export function isContainer(node: PlaybookNode): node is ContainerNode {
  return node.kind !== "action";
}

/** The branch names a container offers its children, in display order; empty for an action. */
export function branchesOf(node: PlaybookNode): readonly string[] {
  switch (node.kind) {
    case "action":
      return [];
    case "switch":
      return [...node.cases.map(branchName), SWITCH_DEFAULT];
    default:
      return CONTAINER_BRANCHES[node.kind];
  }
}

/** A switch case value as the branch name it opens, spelt as Python's str() spells the value the
 * backend's JSON parser made of it (so true is "true", 0.00001 is "1e-05"). */
export function branchName(caseValue: SwitchCase): string {
  if (typeof caseValue === "boolean") return caseValue ? "true" : "false";
  if (typeof caseValue === "string") return caseValue;
  return pythonNumberText(caseValue);
}

// JSON.parse cannot tell 1 from 1.0, so a safe integer is spelt as Python spells an int (the
// backend spells a float written 1.0 as "1.0"). Past 2^53 JavaScript has lost the digits of an int
// anyway, so such a number is taken for a float like 1e20. Floats follow Python's repr: shortest
// round-trip digits (the digits JavaScript picks too), exponent form when the decimal exponent is
// below -4 or 16 and over, with a sign and at least two digits.
function pythonNumberText(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (Number.isSafeInteger(value)) return String(value);
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return Number.isInteger(value) ? `${BigInt(value).toString()}.0` : String(value);
}

/** The identity of an edge on the canvas: `source->target`, plus `:branch` for a start edge. */
export function edgeKey(edge: Pick<Edge, "source" | "target" | "branch">): string {
  const base = `${edge.source}->${edge.target}`;
  return edge.branch === undefined ? base : `${base}:${edge.branch}`;
}

/** One unique key per edge, in order: a repeated edge (the validator lets it pass, the canvas
 * needs distinct ids) gets `~2`, `~3`... after its key. */
export function edgeKeys(edges: readonly Edge[]): string[] {
  const seen = new Map<string, number>();
  return edges.map((edge) => {
    const key = edgeKey(edge);
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    return count === 1 ? key : `${key}~${count}`;
  });
}

export function effectiveWhen(edge: Edge): readonly RunAfterStatus[] {
  return edge.when ?? DEFAULT_WHEN;
}

export function nodesOf(document: PlaybookDocument): readonly PlaybookNode[] {
  return document.nodes ?? [];
}

export function edgesOf(document: PlaybookDocument): readonly Edge[] {
  return document.edges ?? [];
}

// Layout maps are keyed by node id, and "constructor" or "__proto__" are valid ids: read own
// entries only and write with defineProperty, so no id ever reaches Object.prototype.

/** The own entry of a record, never an inherited one. */
export function entryOf<V>(map: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return map !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Sets an own entry, even for the key "__proto__". */
export function setEntry<V>(map: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The node moved into a container's branch, or to the top level when `where` is undefined. */
export function withPlacement(node: PlaybookNode, where: { parent: string; branch: string } | undefined): PlaybookNode {
  if (node.parent === where?.parent && node.branch === where?.branch) return node;
  const { parent: _parent, branch: _branch, ...unplaced } = node;
  return where === undefined ? unplaced : { ...unplaced, parent: where.parent, branch: where.branch };
}

/** What a person calls a node in a sentence: its title when it has one, else its id. */
export function nodeLabel(node: PlaybookNode | TriggerSpec): string {
  return node.title !== undefined && node.title.trim() !== "" ? node.title : node.id;
}
