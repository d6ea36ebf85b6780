// The actions of a rule, in the order they run: each a type and the one value it needs.

import type { PlaybookSummary } from "../api";
import { SEVERITIES, severityLabel, statusLabel } from "../incidents/model";
import { Chevron } from "./Chevron";
import { FieldProblems } from "./ConditionEditor";
import type { ActionDraft } from "./draft";
import { newAction } from "./draft";
import { ACTION_FIELDS, ACTION_STATUSES, ACTION_TYPES, actionLabel, actionTypesFor, playbookKindFor, triggerText } from "./rules";

interface Props {
  actions: ActionDraft[];
  trigger: string;
  /** The playbooks of the rule's workspace; null while they load. */
  playbooks: PlaybookSummary[] | null;
  onChange: (actions: ActionDraft[]) => void;
  /** Problems the server found in an action, by its index. */
  problemsAt: (index: number) => string[];
}

/** What a type starts with when chosen: the usual choice for the selects, nothing to type otherwise. */
function firstValue(type: string): string {
  if (type === "change_status") return "active";
  if (type === "change_severity") return "high";
  return "";
}

export function ActionsEditor({ actions, trigger, playbooks, onChange, problemsAt }: Props) {
  const replace = (index: number, action: ActionDraft) =>
    onChange(actions.map((item, position) => (position === index ? action : item)));
  const remove = (index: number) => onChange(actions.filter((_, position) => position !== index));
  const move = (index: number, direction: -1 | 1) => {
    const moved = [...actions];
    const other = index + direction;
    const [a, b] = [moved[index], moved[other]];
    if (a === undefined || b === undefined) return;
    moved[index] = b;
    moved[other] = a;
    onChange(moved);
  };
  const offered = actionTypesFor(trigger);

  return (
    <div className="action-editor">
      {actions.length > 0 && (
        <ol className="action-list">
          {actions.map((action, index) => {
            const problems = problemsAt(index);
            const types: readonly string[] = ACTION_FIELDS.has(action.type) ? ACTION_TYPES : [...ACTION_TYPES, action.type];
            return (
              <li
                key={action.key}
                className={problems.length > 0 ? "action-row action-row--problem" : "action-row"}
                data-testid="action-row"
              >
                <div className="action-row__fields">
                  <span className="action-row__number" aria-hidden="true">
                    {index + 1}
                  </span>
                  <select
                    className="input"
                    aria-label="Action"
                    value={action.type}
                    onChange={(event) =>
                      replace(index, { ...action, type: event.target.value, value: firstValue(event.target.value), raw: null })
                    }
                  >
                    {types.map((type) => (
                      <option key={type} value={type} disabled={!offered.includes(type) && type !== action.type}>
                        {actionLabel(type)}
                        {offered.includes(type) ? "" : " (incidents only)"}
                      </option>
                    ))}
                  </select>
                  <ActionValue
                    action={action}
                    trigger={trigger}
                    playbooks={playbooks}
                    onChange={(value) => replace(index, { ...action, value })}
                  />
                  <span className="action-row__tools">
                    <button
                      type="button"
                      className="button icon-button"
                      aria-label={`Move action ${index + 1} up`}
                      title="Run earlier"
                      disabled={index === 0}
                      onClick={() => move(index, -1)}
                    >
                      <Chevron up />
                    </button>
                    <button
                      type="button"
                      className="button icon-button"
                      aria-label={`Move action ${index + 1} down`}
                      title="Run later"
                      disabled={index === actions.length - 1}
                      onClick={() => move(index, 1)}
                    >
                      <Chevron up={false} />
                    </button>
                    <button
                      type="button"
                      className="button icon-button icon-button--danger"
                      aria-label={`Remove action ${index + 1}`}
                      title="Remove this action"
                      onClick={() => remove(index)}
                    >
                      ×
                    </button>
                  </span>
                </div>
                <FieldProblems messages={problems} />
              </li>
            );
          })}
        </ol>
      )}
      <div>
        <button
          type="button"
          className="button button--small"
          onClick={() => onChange([...actions, newAction(trigger === "alert_created" ? "run_playbook" : "add_label")])}
        >
          + Add action
        </button>
      </div>
    </div>
  );
}

interface ValueProps {
  action: ActionDraft;
  trigger: string;
  playbooks: PlaybookSummary[] | null;
  onChange: (value: string) => void;
}

function ActionValue({ action, trigger, playbooks, onChange }: ValueProps) {
  switch (action.type) {
    case "run_playbook":
      return <PlaybookSelect value={action.value} trigger={trigger} playbooks={playbooks} onChange={onChange} />;
    case "change_status":
      return (
        <select className="input" aria-label="Status" value={action.value} onChange={(event) => onChange(event.target.value)}>
          {ACTION_STATUSES.map((status) => (
            <option key={status} value={status}>
              {statusLabel(status)}
            </option>
          ))}
        </select>
      );
    case "change_severity":
      return (
        <select className="input" aria-label="Severity" value={action.value} onChange={(event) => onChange(event.target.value)}>
          {SEVERITIES.map((severity) => (
            <option key={severity} value={severity}>
              {severityLabel(severity)}
            </option>
          ))}
        </select>
      );
    case "assign_owner":
      return (
        <input
          className="input action-row__text"
          aria-label="Owner"
          placeholder="User name"
          maxLength={200}
          value={action.value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    case "add_label":
      return (
        <input
          className="input action-row__text"
          aria-label="Label"
          placeholder="e.g. vip"
          maxLength={100}
          value={action.value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    default:
      return <span className="muted action-row__unknown">Kept as it is: this page does not know this action.</span>;
  }
}

interface PlaybookSelectProps {
  value: string;
  trigger: string;
  playbooks: PlaybookSummary[] | null;
  onChange: (value: string) => void;
}

/** The playbooks whose trigger kind fits the rule's; one chosen before that does not fit stays listed. */
function PlaybookSelect({ value, trigger, playbooks, onChange }: PlaybookSelectProps) {
  if (playbooks === null) {
    return (
      <select className="input action-row__playbook" aria-label="Playbook" disabled value="">
        <option value="">Loading playbooks…</option>
      </select>
    );
  }
  const kind = playbookKindFor(trigger);
  const fitting = playbooks.filter((playbook) => playbook.triggerKind === kind);
  const chosen = playbooks.find((playbook) => playbook.id === value);
  const stray = value !== "" && !fitting.some((playbook) => playbook.id === value);
  return (
    <span className="action-row__playbook-wrap">
      <select
        className="input action-row__playbook"
        aria-label="Playbook"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      >
        <option value="">{fitting.length === 0 ? "No playbook fits this trigger" : "Choose a playbook…"}</option>
        {fitting.map((playbook) => (
          <option key={playbook.id} value={playbook.id}>
            {playbook.name}
            {playbook.enabled ? "" : " (disabled: will not run)"}
          </option>
        ))}
        {stray && (
          <option value={value}>
            {chosen?.name ?? value} (does not start with an {kind})
          </option>
        )}
      </select>
      {fitting.length === 0 && (
        <span className="action-row__hint muted">
          Make a playbook whose trigger is ‘{triggerText(trigger)}’ first.
        </span>
      )}
    </span>
  );
}
