// The conditions of a rule: an all/any group of property–operator–values rows, with groups nested
// in it (up to the server's depth).

import { SEVERITIES, STATUSES, severityLabel, statusLabel } from "../incidents/model";
import type { ConditionDraft, GroupDraft } from "./draft";
import { appendItem, changeItem, hasValue, newCondition, newGroup, toggleValue } from "./draft";
import { MAX_GROUP_DEPTH, operatorLabel, operatorsFor, propertiesFor, propertyLabel, triggerText } from "./rules";
import type { Combinator } from "./rules";

/** Changes the conditions' root group. */
export type EditConditions = (change: (root: GroupDraft) => GroupDraft) => void;

interface Props {
  group: GroupDraft;
  depth: number;
  trigger: string;
  edit: EditConditions;
  /** The problems the server found in an item, by its key. */
  problemsOf: (key: string) => string[];
}

const VALUE_HINTS: ReadonlyMap<string, string> = new Map([
  ["title", "e.g. ransomware, phishing"],
  ["source_product", "e.g. Microsoft Defender for Endpoint"],
  ["rule_name", "the analytics rule's name"],
  ["tactics", "e.g. Execution, CommandAndControl"],
  ["labels", "e.g. vip"],
  ["entity_kinds", "e.g. ip, account, host"],
  ["owner", "a user name"],
]);

export function GroupEditor({ group, depth, trigger, edit, problemsOf }: Props) {
  const nested = depth > 1;
  const setCombinator = (combinator: Combinator) =>
    edit((root) => changeItem(root, group.key, (item) => (item.kind === "group" ? { ...item, combinator } : item)));
  const add = (item: ConditionDraft | GroupDraft) => edit((root) => appendItem(root, group.key, item));
  const problems = problemsOf(group.key);

  return (
    <div className={nested ? "condition-group condition-group--nested" : "condition-group"} data-testid="condition-group">
      <div className="condition-group__head">
        {!nested && group.items.length === 0 ? (
          <span className="condition-group__always">
            No conditions: the rule applies to every {trigger === "alert_created" ? "alert" : "incident"} (
            {triggerText(trigger).toLowerCase()}).
          </span>
        ) : (
          <>
            <span>{nested ? "A group where" : "Applies when"}</span>
            <select
              className="input input--inline"
              aria-label={nested ? "Group combinator" : "Combinator"}
              value={group.combinator}
              onChange={(event) => setCombinator(event.target.value === "any" ? "any" : "all")}
            >
              <option value="all">all</option>
              <option value="any">any</option>
            </select>
            <span>{group.combinator === "all" ? "of these hold" : "of these holds"}</span>
          </>
        )}
        {nested && (
          <button
            type="button"
            className="button button--small button--quiet rule-form__remove-group"
            onClick={() => edit((root) => changeItem(root, group.key, () => null))}
          >
            Remove group
          </button>
        )}
      </div>
      <FieldProblems messages={problems} />
      {group.items.length > 0 && (
        <ol className="condition-list">
          {group.items.map((item) =>
            item.kind === "condition" ? (
              <ConditionRow
                key={item.key}
                condition={item}
                trigger={trigger}
                edit={edit}
                problems={problemsOf(item.key)}
              />
            ) : (
              <li key={item.key} className="condition-list__group">
                <GroupEditor group={item} depth={depth + 1} trigger={trigger} edit={edit} problemsOf={problemsOf} />
              </li>
            ),
          )}
        </ol>
      )}
      <div className="condition-group__add">
        <button type="button" className="button button--small" onClick={() => add(newCondition())}>
          + Add condition
        </button>
        {depth < MAX_GROUP_DEPTH && (
          <button
            type="button"
            className="button button--small"
            title="Conditions joined the other way: any within all, or all within any"
            onClick={() =>
              add({ ...newGroup(group.combinator === "all" ? "any" : "all"), items: [newCondition()] })
            }
          >
            + Add group
          </button>
        )}
      </div>
    </div>
  );
}

interface RowProps {
  condition: ConditionDraft;
  trigger: string;
  edit: EditConditions;
  problems: string[];
}

/** Options with the current value kept even when the trigger does not offer it (the server says why). */
function withCurrent(options: readonly string[], current: string): string[] {
  return options.includes(current) ? [...options] : [...options, current];
}

function ConditionRow({ condition, trigger, edit, problems }: RowProps) {
  const change = (fields: Partial<ConditionDraft>) =>
    edit((root) =>
      changeItem(root, condition.key, (item) => (item.kind === "condition" ? { ...item, ...fields } : item)),
    );
  const properties = withCurrent(propertiesFor(trigger), condition.property);
  const operators = withCurrent(operatorsFor(trigger), condition.operator);
  const offered = propertiesFor(trigger);

  return (
    <li className={problems.length > 0 ? "condition-row condition-row--problem" : "condition-row"} data-testid="condition-row">
      <div className="condition-row__fields">
        <select
          className="input"
          aria-label="Property"
          value={condition.property}
          onChange={(event) => change({ property: event.target.value, valuesText: "" })}
        >
          {properties.map((property) => (
            <option key={property} value={property}>
              {propertyLabel(property)}
              {offered.includes(property) ? "" : " (not for this trigger)"}
            </option>
          ))}
        </select>
        <select
          className="input"
          aria-label="Operator"
          value={condition.operator}
          onChange={(event) => change({ operator: event.target.value })}
        >
          {operators.map((operator) => (
            <option key={operator} value={operator}>
              {operatorLabel(operator)}
            </option>
          ))}
        </select>
        {condition.operator === "changed" ? (
          <span className="condition-row__changed muted">from what it was before the update</span>
        ) : (
          <ValuesEditor condition={condition} onChange={(valuesText) => change({ valuesText })} />
        )}
        <button
          type="button"
          className="button icon-button icon-button--danger condition-row__remove"
          aria-label="Remove this condition"
          title="Remove this condition"
          onClick={() => edit((root) => changeItem(root, condition.key, () => null))}
        >
          ×
        </button>
      </div>
      <FieldProblems messages={problems} />
    </li>
  );
}

const CHOICES: ReadonlyMap<string, { values: readonly string[]; label: (value: string) => string }> = new Map([
  ["severity", { values: SEVERITIES, label: severityLabel }],
  ["status", { values: STATUSES, label: statusLabel }],
]);

function ValuesEditor({ condition, onChange }: { condition: ConditionDraft; onChange: (text: string) => void }) {
  const choices = CHOICES.get(condition.property);
  if (choices !== undefined) {
    return (
      <fieldset className="value-choices">
        <legend className="visually-hidden">Values</legend>
        {choices.values.map((value) => (
          <label key={value} className="value-choice">
            <input
              type="checkbox"
              checked={hasValue(condition.valuesText, value)}
              onChange={(event) => onChange(toggleValue(condition.valuesText, value, event.target.checked))}
            />
            {choices.label(value)}
          </label>
        ))}
      </fieldset>
    );
  }
  return (
    <input
      className="input condition-row__values"
      aria-label="Values"
      value={condition.valuesText}
      placeholder={VALUE_HINTS.get(condition.property) ?? "values, separated by commas"}
      title="Any of the values matches; separate them with commas"
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

export function FieldProblems({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="field-problems" role="alert">
      {messages.map((message, index) => (
        <li key={index}>{message}</li>
      ))}
    </ul>
  );
}
