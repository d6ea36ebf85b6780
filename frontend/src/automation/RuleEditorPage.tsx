import { useMemo, useState } from "react";
import type { FormEvent } from "react";
import { toApiError } from "../api";
import type { ApiError, PlaybookSummary } from "../api";
import type { Workspace } from "../auth";
import { ErrorMessage } from "../ErrorMessage";
import { fetchAllPlaybooks } from "../incidents/api";
import { useLoad } from "../incidents/useLoad";
import { Link } from "../Link";
import { useWorkspaces } from "../playbooks/data";
import { AUTOMATION_PATH, navigate } from "../router";
import { ActionsEditor } from "./ActionsEditor";
import { createRule, fetchRule, fetchRules, replaceRule } from "./api";
import { FieldProblems, GroupEditor } from "./ConditionEditor";
import type { EditConditions } from "./ConditionEditor";
import { blankDraft, conditionPaths, draftOf, placeProblems, problemsOf, ruleBody } from "./draft";
import type { Problem, RuleDraft } from "./draft";
import type { AutomationRule } from "./rules";
import { TRIGGERS, suggestedOrder, triggerText } from "./rules";
import "../playbooks/playbooks.css";
import "./automation.css";

const AUTOMATION_WRITE = "automation.write";

interface Loaded {
  rule: AutomationRule | null;
  draft: RuleDraft;
}

/** The form of a rule: a new one (`ruleId` null) or one to change. */
export function RuleEditorPage({ ruleId }: { ruleId: string | null }) {
  const loaded = useLoad(`rule-form:${ruleId ?? ""}`, async (signal): Promise<Loaded> => {
    if (ruleId === null) return { rule: null, draft: blankDraft(suggestedOrder(await fetchRules(signal))) };
    const rule = await fetchRule(ruleId, signal);
    return { rule, draft: draftOf(rule) };
  });
  const playbooks = useLoad("playbooks", fetchAllPlaybooks);
  const workspaces = useWorkspaces();

  return (
    <div className="rule-page">
      <Link to={AUTOMATION_PATH} className="back-link">
        ← Automation rules
      </Link>
      {loaded.state.status === "loading" && (
        <section className="panel">
          <p className="panel__message" role="status">
            Loading the rule…
          </p>
        </section>
      )}
      {loaded.state.status === "error" && (
        <section className="panel">
          {loaded.state.error.status === 404 ? (
            <div className="empty">
              <p className="empty__title">There is no such rule: it may have been deleted.</p>
              <Link to={AUTOMATION_PATH}>Go to the automation rules</Link>
            </div>
          ) : (
            <ErrorMessage
              title="Could not load the rule"
              error={loaded.state.error}
              action={{ label: "Try again", onClick: loaded.retry }}
            />
          )}
        </section>
      )}
      {loaded.state.status === "ready" && (
        <RuleForm
          rule={loaded.state.data.rule}
          initial={loaded.state.data.draft}
          playbooks={playbooks.state.status === "ready" ? playbooks.state.data.data : null}
          workspaces={workspaces}
        />
      )}
    </div>
  );
}

interface FormProps {
  rule: AutomationRule | null;
  initial: RuleDraft;
  playbooks: PlaybookSummary[] | null;
  workspaces: Workspace[] | null;
}

function RuleForm({ rule, initial, playbooks, workspaces }: FormProps) {
  const [draft, setDraft] = useState(initial);
  const writable = (workspaces ?? []).filter((workspace) => workspace.permissions.includes(AUTOMATION_WRITE));
  // A new rule's workspace: asked only of someone who may write in several.
  const [workspace, setWorkspace] = useState<string | null>(null);
  const chosenWorkspace =
    rule?.workspaceId ??
    workspace ??
    (writable.length > 1 ? (writable.find((item) => item.name === "default") ?? writable[0])?.id : undefined) ??
    null;
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [problems, setProblems] = useState<Problem[]>([]);

  const edit = (change: Partial<RuleDraft>) => setDraft((current) => ({ ...current, ...change }));
  const editConditions: EditConditions = (change) =>
    setDraft((current) => ({ ...current, conditions: change(current.conditions) }));

  // Where the server's problems go: each field, condition and action of the form has a place.
  const paths = useMemo(() => conditionPaths(draft.conditions), [draft.conditions]);
  const placed = useMemo(() => {
    const places = [
      "name",
      "order",
      "enabled",
      "expires_at",
      "trigger",
      "actions",
      ...paths.values(),
      ...draft.actions.map((_, index) => `actions[${index}]`),
    ];
    return placeProblems(problems, places);
  }, [problems, paths, draft.actions]);
  const at = (place: string) => placed.byPlace.get(place) ?? [];
  const conditionProblems = (key: string) => {
    const path = paths.get(key);
    return path === undefined ? [] : at(path);
  };

  const inWorkspace =
    playbooks === null || chosenWorkspace === null
      ? playbooks
      : playbooks.filter((playbook) => playbook.workspaceId === chosenWorkspace);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setFailure(null);
    setProblems([]);
    const body = ruleBody(draft);
    const saved = rule === null ? createRule(body, writable.length > 1 ? chosenWorkspace : null) : replaceRule(rule.id, body);
    saved.then(
      () => navigate(AUTOMATION_PATH),
      (reason: unknown) => {
        const error = toApiError(reason);
        setSaving(false);
        setFailure(error);
        setProblems(problemsOf(error));
      },
    );
  };

  const fieldCount = placed.byPlace.size;
  return (
    <form className="panel rule-form" onSubmit={submit} aria-labelledby="rule-form-title" noValidate>
      <div className="panel__header">
        <h1 id="rule-form-title">{rule === null ? "New automation rule" : `Edit “${rule.name}”`}</h1>
      </div>
      {failure !== null && (
        <div className="notice notice--error" role="alert" data-testid="rule-form-error">
          <p className="notice__title">The rule was not saved</p>
          {fieldCount > 0 ? (
            <p>
              {fieldCount === 1 ? "One field needs" : `${fieldCount} fields need`} a change: see the messages below.
            </p>
          ) : (
            placed.unplaced.length === 0 && <p>{failure.message}</p>
          )}
          {placed.unplaced.length > 0 && (
            <ul className="rule-form__unplaced">
              {placed.unplaced.map((problem, index) => (
                <li key={index}>
                  {problem.field && <code>{problem.field}</code>} {problem.message}
                </li>
              ))}
            </ul>
          )}
          <p className="notice__meta">
            Code <code>{failure.code}</code>
            {failure.status !== null && <> · HTTP {failure.status}</>}
          </p>
        </div>
      )}

      <section className="rule-form__section" aria-labelledby="rule-basics">
        <h2 id="rule-basics" className="rule-form__heading">
          Rule
        </h2>
        <div className="rule-form__grid">
          <label className="setting rule-form__name">
            <span className="setting__label">Name</span>
            <input
              className="input"
              value={draft.name}
              maxLength={200}
              placeholder="e.g. Label high incidents"
              onChange={(event) => edit({ name: event.target.value })}
            />
            <FieldProblems messages={at("name")} />
          </label>
          <label className="setting">
            <span className="setting__label">Trigger</span>
            <select className="input" value={draft.trigger} onChange={(event) => edit({ trigger: event.target.value })}>
              {TRIGGERS.map((trigger) => (
                <option key={trigger} value={trigger}>
                  {triggerText(trigger)}
                </option>
              ))}
              {!TRIGGERS.some((trigger) => trigger === draft.trigger) && (
                <option value={draft.trigger}>{draft.trigger}</option>
              )}
            </select>
            <FieldProblems messages={at("trigger")} />
          </label>
          {rule === null && writable.length > 1 && (
            <label className="setting">
              <span className="setting__label">Workspace</span>
              <select
                className="input"
                value={chosenWorkspace ?? ""}
                onChange={(event) => setWorkspace(event.target.value)}
              >
                {writable.map((item) => (
                  <option key={item.id} value={item.id}>
                    {item.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="setting rule-form__order">
            <span className="setting__label">Order</span>
            <input
              className="input"
              type="number"
              min={1}
              max={1000}
              step={1}
              value={draft.order}
              onChange={(event) => edit({ order: event.target.value })}
            />
            <span className="rule-form__hint muted">1 to 1000; lower numbers run first</span>
            <FieldProblems messages={at("order")} />
          </label>
          <label className="setting">
            <span className="setting__label">Expires</span>
            <span className="rule-form__inline">
              <input
                className="input"
                type="datetime-local"
                value={draft.expiresAt}
                onChange={(event) => edit({ expiresAt: event.target.value })}
              />
              {draft.expiresAt !== "" && (
                <button type="button" className="button button--small button--quiet" onClick={() => edit({ expiresAt: "" })}>
                  Never
                </button>
              )}
            </span>
            <span className="rule-form__hint muted">
              {draft.expiresAt === "" ? "Never: leave empty for a rule that stays" : "Your local time"}
            </span>
            <FieldProblems messages={at("expires_at")} />
          </label>
          <div className="setting">
            <span className="setting__label" id="rule-enabled-label">
              Status
            </span>
            <button
              type="button"
              role="switch"
              aria-checked={draft.enabled}
              aria-labelledby="rule-enabled-label"
              className={draft.enabled ? "toggle toggle--on rule-form__toggle" : "toggle rule-form__toggle"}
              onClick={() => edit({ enabled: !draft.enabled })}
            >
              <span className="toggle__track" aria-hidden="true">
                <span className="toggle__thumb" />
              </span>
              {draft.enabled ? "Enabled" : "Disabled"}
            </button>
            <FieldProblems messages={at("enabled")} />
          </div>
        </div>
      </section>

      <section className="rule-form__section" aria-labelledby="rule-conditions">
        <h2 id="rule-conditions" className="rule-form__heading">
          Conditions
        </h2>
        <p className="rule-form__intro muted">
          Values are compared without regard to case; a condition with several values holds when any of them matches.
        </p>
        <GroupEditor
          group={draft.conditions}
          depth={1}
          trigger={draft.trigger}
          edit={editConditions}
          problemsOf={conditionProblems}
        />
      </section>

      <section className="rule-form__section" aria-labelledby="rule-actions">
        <h2 id="rule-actions" className="rule-form__heading">
          Actions
        </h2>
        <p className="rule-form__intro muted">They run in this order; later rules see what earlier ones changed.</p>
        <FieldProblems messages={at("actions")} />
        <ActionsEditor
          actions={draft.actions}
          trigger={draft.trigger}
          playbooks={inWorkspace}
          onChange={(actions) => edit({ actions })}
          problemsAt={(index) => at(`actions[${index}]`)}
        />
      </section>

      <div className="rule-form__footer">
        <Link to={AUTOMATION_PATH} className="button rule-form__cancel">
          Cancel
        </Link>
        <button type="submit" className="button button--primary" disabled={saving}>
          {saving ? "Saving…" : rule === null ? "Create rule" : "Save rule"}
        </button>
      </div>
    </form>
  );
}
