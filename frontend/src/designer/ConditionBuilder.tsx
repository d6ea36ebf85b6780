import type { ConditionGroup, ConditionOp, ConditionRule } from "../graph/document";
import { ExpressionInput } from "./ExpressionText";
import {
  MAX_GROUP_DEPTH,
  UNARY_OPS,
  addGroup,
  addRule,
  combinatorOf,
  isRule,
  itemsOf,
  removeItem,
  replaceItem,
  setCombinator,
} from "./conditionTree";
import type { Combinator, ItemPath } from "./conditionTree";
import "./conditions.css";

const OPS: readonly { op: ConditionOp; label: string }[] = [
  { op: "eq", label: "equals" },
  { op: "ne", label: "does not equal" },
  { op: "gt", label: "is greater than" },
  { op: "ge", label: "is at least" },
  { op: "lt", label: "is less than" },
  { op: "le", label: "is at most" },
  { op: "contains", label: "contains" },
  { op: "not_contains", label: "does not contain" },
  { op: "starts_with", label: "starts with" },
  { op: "ends_with", label: "ends with" },
  { op: "matches", label: "matches pattern" },
  { op: "in", label: "is one of" },
  { op: "not_in", label: "is not one of" },
  { op: "in_cidr", label: "is in network" },
  { op: "is_empty", label: "is empty" },
  { op: "is_not_empty", label: "is not empty" },
  { op: "is_true", label: "is true" },
  { op: "is_false", label: "is false" },
];

const JOINERS: Readonly<Record<Combinator, string>> = { all: "and", any: "or" };

function operandText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Every edit starts from the whole condition, so a nested group's change reaches the store as
 * one new condition. Typing passes the field it types in, so that its keystrokes are one undo
 * step; a structural edit (add, remove, and/or) passes nothing and is a step of its own. */
type Edit = (change: (root: ConditionGroup) => ConditionGroup, typing?: string) => void;

/** Rules of "left op right" in groups joined by all (and) or any (or); groups nest, as Logic
 * Apps' "Add group" does, for conditions such as "a and (b or c)". */
export function ConditionBuilder({
  condition,
  onChange,
}: {
  condition: ConditionGroup;
  onChange: (condition: ConditionGroup, typing?: string) => void;
}) {
  const edit: Edit = (change, typing) => onChange(change(condition), typing);
  return <GroupEditor group={condition} path={[]} edit={edit} />;
}

function GroupEditor({ group, path, edit }: { group: ConditionGroup; path: ItemPath; edit: Edit }) {
  const combinator = combinatorOf(group);
  const items = itemsOf(group);
  const nested = path.length > 0;
  const depth = path.length + 1;
  return (
    <div
      className={`condition-group${nested ? " condition-group--nested" : ""}`}
      role="group"
      aria-label={nested ? "Group of rules" : "Rules"}
      data-testid="condition-group"
      data-path={path.join(".")}
    >
      <div className="condition-group__header">
        <select
          className="input condition-group__combinator"
          aria-label={nested ? "How this group's rules combine" : "How the rules combine"}
          data-testid="condition-combinator"
          value={combinator}
          onChange={(event) => edit((root) => setCombinator(root, path, event.target.value as Combinator))}
        >
          <option value="all">All of these are true</option>
          <option value="any">Any of these is true</option>
        </select>
        {nested && (
          <button
            type="button"
            className="button button--small"
            aria-label="Remove this group"
            title="Remove this group and its rules"
            onClick={() => edit((root) => removeItem(root, path))}
          >
            Remove
          </button>
        )}
      </div>
      {items.length === 0 && <p className="condition-group__empty muted">No rules yet: add one.</p>}
      {items.map((item, position) => {
        const itemPath = [...path, position];
        return (
          <div className="condition-group__item" key={position}>
            {position > 0 && <span className="condition-group__joiner">{JOINERS[combinator]}</span>}
            {isRule(item) ? (
              <RuleEditor rule={item} path={itemPath} edit={edit} />
            ) : (
              <GroupEditor group={item} path={itemPath} edit={edit} />
            )}
          </div>
        );
      })}
      <div className="condition-group__actions">
        <button
          type="button"
          className="button button--small"
          data-testid="add-rule"
          onClick={() => edit((root) => addRule(root, path))}
        >
          Add rule
        </button>
        {depth < MAX_GROUP_DEPTH && (
          <button
            type="button"
            className="button button--small"
            data-testid="add-group"
            title="A group of rules with its own all/any, e.g. a and (b or c)"
            onClick={() => edit((root) => addGroup(root, path))}
          >
            Add group
          </button>
        )}
      </div>
    </div>
  );
}

function RuleEditor({ rule, path, edit }: { rule: ConditionRule; path: ItemPath; edit: Edit }) {
  const setRule = (next: ConditionRule, typing?: string) => edit((root) => replaceItem(root, path, next), typing);
  const setOp = (op: ConditionOp) => {
    const { right: _right, ...rest } = rule;
    setRule(UNARY_OPS.has(op) ? { ...rest, op } : { ...rule, op, right: rule.right ?? "" });
  };
  return (
    <div
      className={`rules__row condition-rule${UNARY_OPS.has(rule.op) ? " condition-rule--unary" : ""}`}
      data-testid="condition-rule"
      data-path={path.join(".")}
    >
      <ExpressionInput
        label="Value to test"
        placeholder="Value to test"
        value={operandText(rule.left)}
        onChange={(left) => setRule({ ...rule, left }, `${path.join(".")}:left`)}
      />
      <select
        className="input condition-rule__op"
        aria-label="Comparison"
        value={rule.op}
        onChange={(event) => setOp(event.target.value as ConditionOp)}
      >
        {OPS.map(({ op, label }) => (
          <option key={op} value={op}>
            {label}
          </option>
        ))}
      </select>
      {!UNARY_OPS.has(rule.op) && (
        <ExpressionInput
          label="Compared with"
          placeholder="Compared with"
          value={operandText(rule.right)}
          onChange={(right) => setRule({ ...rule, right }, `${path.join(".")}:right`)}
        />
      )}
      <button
        type="button"
        className="button button--small condition-rule__remove"
        aria-label="Remove this rule"
        onClick={() => edit((root) => removeItem(root, path))}
      >
        Remove
      </button>
    </div>
  );
}
