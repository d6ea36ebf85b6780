import type { ConditionGroup, ConditionItem, ConditionOp, ConditionRule } from "../graph/document";
import { ExpressionInput } from "./DynamicFields";
import { UNARY_OPS, conditionOf, conditionRows, emptyRule, isRule } from "./nodeEdits";
import type { Combinator } from "./nodeEdits";

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

function operandText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Rows of "left op right" joined by all (and) or any (or). Nested groups, which only the
 * document can hold for now, are kept and counted. */
export function ConditionBuilder({
  condition,
  onChange,
}: {
  condition: ConditionGroup;
  onChange: (condition: ConditionGroup) => void;
}) {
  const { combinator, items } = conditionRows(condition);
  const nested = items.filter((item) => !isRule(item)).length;
  const setItems = (next: ConditionItem[]) => onChange(conditionOf(combinator, next));
  const setRule = (position: number, rule: ConditionRule) =>
    setItems(items.map((item, index) => (index === position ? rule : item)));

  return (
    <div className="rules">
      <label className="rules__combinator">
        Run when
        <select
          className="input"
          value={combinator}
          onChange={(event) => onChange(conditionOf(event.target.value as Combinator, items))}
        >
          <option value="all">all of these hold</option>
          <option value="any">any of these holds</option>
        </select>
      </label>
      {items.map((item, position) =>
        isRule(item) ? (
          <div className="rules__row" key={position} data-testid="condition-rule">
            <ExpressionInput
              label="Value to test"
              placeholder="Value"
              value={operandText(item.left)}
              onChange={(left) => setRule(position, { ...item, left })}
            />
            <select
              className="input"
              aria-label="Comparison"
              value={item.op}
              onChange={(event) => {
                const op = event.target.value as ConditionOp;
                const { right: _right, ...rest } = item;
                setRule(position, UNARY_OPS.has(op) ? { ...rest, op } : { ...item, op, right: item.right ?? "" });
              }}
            >
              {OPS.map(({ op, label }) => (
                <option key={op} value={op}>
                  {label}
                </option>
              ))}
            </select>
            {!UNARY_OPS.has(item.op) && (
              <ExpressionInput
                label="Compared with"
                placeholder="Compared with"
                value={operandText(item.right)}
                onChange={(right) => setRule(position, { ...item, right })}
              />
            )}
            <button
              type="button"
              className="button button--small"
              aria-label="Remove this rule"
              onClick={() => setItems(items.filter((_item, index) => index !== position))}
            >
              Remove
            </button>
          </div>
        ) : null,
      )}
      {nested > 0 && (
        <p className="muted">
          Also {nested} nested {nested === 1 ? "group" : "groups"} of rules, kept as written.
        </p>
      )}
      <button type="button" className="button button--small" onClick={() => setItems([...items, emptyRule()])}>
        Add rule
      </button>
    </div>
  );
}
