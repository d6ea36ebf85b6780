import { useMemo, useState } from "react";
import { ApiError, toApiError } from "../api";
import { ErrorMessage } from "../ErrorMessage";
import { formatDateTime } from "../format";
import { fetchAllPlaybooks } from "../incidents/api";
import { useLoad } from "../incidents/useLoad";
import { Link } from "../Link";
import { TrashIcon } from "../playbooks/icons";
import { NEW_AUTOMATION_RULE_PATH, automationRulePath, navigate } from "../router";
import { ConfirmDelete } from "../ConfirmDelete";
import { changeRule, deleteRule, fetchRules } from "./api";
import { Chevron } from "./Chevron";
import type { AutomationRule } from "./rules";
import { actionText, conditionsText, isExpired, reorder, sortRules } from "./rules";
import "../playbooks/playbooks.css";
import "./automation.css";

const SHORT_TRIGGERS: ReadonlyMap<string, string> = new Map([
  ["incident_created", "Incident created"],
  ["incident_updated", "Incident updated"],
  ["alert_created", "Alert created"],
]);

interface RowFailure {
  ruleId: string;
  title: string;
  error: ApiError;
}

export function AutomationPage() {
  const rules = useLoad("automation-rules", fetchRules);
  const playbooks = useLoad("playbooks", fetchAllPlaybooks);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<RowFailure | null>(null);
  const [deleting, setDeleting] = useState<AutomationRule | null>(null);

  const names = useMemo(() => {
    const found = new Map<string, string>();
    if (playbooks.state.status === "ready") {
      for (const playbook of playbooks.state.data.data) found.set(playbook.id, playbook.name);
    }
    return found;
  }, [playbooks.state]);
  const playbookName = (id: string) => names.get(id) ?? id;

  const sorted = rules.state.status === "ready" ? sortRules(rules.state.data) : [];

  // Every change answers with the rule as it now is; the list is read again so that orders
  // changed by a move show where the rules now run.
  const act = (ruleId: string, title: string, work: () => Promise<unknown>) => {
    setBusy(true);
    setFailure(null);
    work().then(
      () => {
        setBusy(false);
        rules.reload();
      },
      (error: unknown) => {
        setBusy(false);
        setFailure({ ruleId, title, error: toApiError(error) });
        rules.reload();
      },
    );
  };

  const move = (index: number, direction: -1 | 1) => {
    const rule = sorted[index];
    if (rule === undefined) return;
    const changes = reorder(sorted, index, direction);
    if (changes.length === 0) {
      setFailure({
        ruleId: rule.id,
        title: "Could not move",
        error: new ApiError(
          "order_limit",
          "The orders around this rule are at their limit (1 to 1000): set them in the rules' forms.",
        ),
      });
      return;
    }
    act(rule.id, "Could not move", async () => {
      // One after the other: each PATCH checks and saves one rule.
      for (const change of changes) await changeRule(change.id, { order: change.order });
    });
  };

  const toggle = (rule: AutomationRule) =>
    act(rule.id, rule.enabled ? "Could not disable" : "Could not enable", () =>
      changeRule(rule.id, { enabled: !rule.enabled }),
    );

  return (
    <section className="panel" aria-labelledby="automation-heading">
      <div className="panel__header">
        <h1 id="automation-heading">Automation rules</h1>
        {rules.state.status === "ready" && (
          <p className="panel__count">
            {sorted.length} {sorted.length === 1 ? "rule" : "rules"}
          </p>
        )}
        <div className="panel__actions">
          <button
            type="button"
            className="button button--primary button--header"
            onClick={() => navigate(NEW_AUTOMATION_RULE_PATH)}
          >
            New rule
          </button>
        </div>
      </div>
      <p className="automation-intro">
        When an incident is created or updated, or an alert is created, the enabled rules for that event run in
        order: each one whose conditions hold changes the incident and runs its playbooks.
      </p>
      {rules.state.status === "loading" && (
        <p className="panel__message" role="status">
          Loading automation rules…
        </p>
      )}
      {rules.state.status === "error" && (
        <ErrorMessage
          title="Could not load the automation rules"
          error={rules.state.error}
          action={{ label: "Try again", onClick: rules.retry }}
        />
      )}
      {rules.state.status === "ready" &&
        (sorted.length === 0 ? (
          <div className="empty">
            <p className="empty__title">No automation rules yet.</p>
            <p className="muted">
              A rule can, for example, label every high-severity incident and run a playbook that enriches it.
            </p>
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table rule-table">
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Conditions</th>
                  <th scope="col">Actions</th>
                  <th scope="col">Status</th>
                  <th scope="col">Expires</th>
                  <th scope="col" className="cell-actions">
                    <span className="visually-hidden">Edit or delete</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((rule, index) => (
                  <RuleRow
                    key={rule.id}
                    rule={rule}
                    first={index === 0}
                    last={index === sorted.length - 1}
                    busy={busy}
                    playbookName={playbookName}
                    failure={failure !== null && failure.ruleId === rule.id ? failure : null}
                    onMove={(direction) => move(index, direction)}
                    onToggle={() => toggle(rule)}
                    onDelete={() => setDeleting(rule)}
                    onDismiss={() => setFailure(null)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        ))}
      {deleting !== null && (
        <ConfirmDelete
          name={deleting.name}
          action="Delete rule"
          remove={() => deleteRule(deleting.id)}
          onCancel={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            rules.reload();
          }}
          testId="delete-rule-dialog"
        >
          The rule stops running at once. Its playbooks and the incidents it changed stay as they are. This cannot be
          undone; disable the rule instead to keep it for later.
        </ConfirmDelete>
      )}
    </section>
  );
}

/** Columns of the rules table; an error row spans them all. */
const COLUMN_COUNT = 7;

interface RowProps {
  rule: AutomationRule;
  first: boolean;
  last: boolean;
  busy: boolean;
  playbookName: (id: string) => string;
  failure: RowFailure | null;
  onMove: (direction: -1 | 1) => void;
  onToggle: () => void;
  onDelete: () => void;
  onDismiss: () => void;
}

function RuleRow({ rule, first, last, busy, playbookName, failure, onMove, onToggle, onDelete, onDismiss }: RowProps) {
  const expired = isExpired(rule, new Date());
  const classes = ["rule-row", !rule.enabled && "rule-row--off", failure !== null && "playbook-row--failed"];
  return (
    <>
      <tr data-testid="rule-row" className={classes.filter(Boolean).join(" ")}>
        <td>
          <div className="rule-order">
            <span className="rule-order__number" title="Rules with lower numbers run first">
              {rule.order}
            </span>
            <span className="rule-order__moves">
              <button
                type="button"
                className="rule-order__move"
                aria-label={`Move ${rule.name} up`}
                title="Run earlier"
                disabled={busy || first}
                onClick={() => onMove(-1)}
              >
                <Chevron up />
              </button>
              <button
                type="button"
                className="rule-order__move"
                aria-label={`Move ${rule.name} down`}
                title="Run later"
                disabled={busy || last}
                onClick={() => onMove(1)}
              >
                <Chevron up={false} />
              </button>
            </span>
          </div>
        </td>
        <td className="rule-table__name">
          <Link to={automationRulePath(rule.id)} className="cell-name">
            {rule.name}
          </Link>
          <div className="cell-description rule-table__trigger">
            {SHORT_TRIGGERS.get(rule.trigger) ?? rule.trigger}
          </div>
        </td>
        <td className="rule-table__conditions">{conditionsText(rule.conditions)}</td>
        <td>
          <ul className="rule-actions">
            {rule.actions.map((action, index) => (
              <li key={index}>{actionText(action, playbookName)}</li>
            ))}
          </ul>
        </td>
        <td>
          <div className="cell-status">
            <button
              type="button"
              role="switch"
              aria-checked={rule.enabled}
              aria-label={`Enable ${rule.name}`}
              className={rule.enabled ? "toggle toggle--on row-toggle" : "toggle row-toggle"}
              data-testid="rule-enable-toggle"
              disabled={busy}
              title={rule.enabled ? "Stop running this rule" : "Run this rule"}
              onClick={onToggle}
            >
              <span className="toggle__track" aria-hidden="true">
                <span className="toggle__thumb" />
              </span>
            </button>
            <span className={rule.enabled ? "pill pill--on" : "pill pill--off"} data-testid="rule-status">
              {rule.enabled ? "Enabled" : "Disabled"}
            </span>
          </div>
        </td>
        <td className="rule-table__expires">
          {rule.expiresAt === null ? (
            <span className="muted">Never</span>
          ) : (
            <>
              {expired && <span className="pill pill--failed rule-expired">Expired</span>}
              <time dateTime={rule.expiresAt} className="rule-table__expiry">
                {formatDateTime(rule.expiresAt)}
              </time>
            </>
          )}
        </td>
        <td>
          <div className="row-actions">
            <Link to={automationRulePath(rule.id)} className="button button--small rule-edit">
              Edit
            </Link>
            <button
              type="button"
              className="button icon-button icon-button--danger"
              aria-label={`Delete ${rule.name}`}
              title="Delete this rule"
              disabled={busy}
              onClick={onDelete}
            >
              <TrashIcon />
            </button>
          </div>
        </td>
      </tr>
      {failure !== null && (
        <tr className="row-failure" data-testid="row-error">
          <td colSpan={COLUMN_COUNT}>
            <div className="row-failure__message" role="alert">
              <span>
                <strong>{failure.title}:</strong> {failure.error.message}
              </span>
              <button type="button" className="row-failure__dismiss" aria-label="Dismiss the error" onClick={onDismiss}>
                ×
              </button>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

