import { useEffect } from "react";
import type { ActionNode, ForeachNode, PlaybookNode, SwitchNode, UntilNode } from "../graph/document";
import { ConditionBuilder } from "./ConditionBuilder";
import { ConnectionChooser } from "./ConnectionChooser";
import { PickerNodeContext } from "./DynamicFields";
import { ExpressionInput } from "./ExpressionText";
import { cleanInputs, sameJson } from "./formSchema";
import { InputsForm } from "./InputsForm";
import { TriggerParams } from "./TriggerSettings";
import type { Manifest, ManifestAction } from "./api";
import { actionInfo, triggerTitle } from "./labels";
import { loadManifest } from "./controller";
import {
  CONTROL_TITLES,
  updateNode,
  updateTrigger,
  withConnection,
  withRetryPolicy,
  withRetrySetting,
  withText,
  withTimeout,
} from "./nodeEdits";
import type { RetryPolicy } from "./nodeEdits";
import { designerStore, useDesigner } from "./store";
import type { DesignerState } from "./store";

/** An edit of one node's field; consecutive edits of the same field (typing) are one undo step,
 * unless `merge` is false. */
function editNode(id: string, field: string, change: (node: PlaybookNode) => PlaybookNode, merge = true): void {
  const store = designerStore.getState();
  store.apply(updateNode(store.document, id, change), merge ? { mergeKey: `${field}:${id}` } : {});
}

/** What the inspector shows: the playbook, its trigger or the one selected step. Only the step's
 * document node is read, not its canvas node, so a drag (a new position each frame) leaves the
 * inspector alone. */
function inspected(state: DesignerState): "playbook" | "trigger" | PlaybookNode {
  if (state.selection.size !== 1) return "playbook";
  const [id] = state.selection;
  const selected = state.nodes.find((node) => node.id === id);
  if (selected === undefined || selected.type === "lane") return "playbook";
  return selected.type === "trigger" ? "trigger" : selected.data.node;
}

export function Inspector() {
  const subject = useDesigner(inspected);
  return (
    <aside className="inspector" data-testid="inspector" aria-label="Inspector">
      {subject === "playbook" ? (
        <PlaybookSettings />
      ) : subject === "trigger" ? (
        <TriggerSettings />
      ) : (
        <StepSettings node={subject} />
      )}
    </aside>
  );
}

function TextSetting({
  label,
  value,
  onChange,
  multiline = false,
  testId,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  multiline?: boolean;
  testId?: string;
}) {
  return (
    <label className="setting" data-testid={testId}>
      <span className="setting__label">{label}</span>
      {multiline ? (
        <textarea className="input" rows={3} value={value} onChange={(event) => onChange(event.target.value)} />
      ) : (
        <input className="input" type="text" value={value} onChange={(event) => onChange(event.target.value)} />
      )}
    </label>
  );
}

function PlaybookSettings() {
  const name = useDesigner((state) => state.document.name);
  const description = useDesigner((state) => state.document.description ?? "");
  const apply = (field: "name" | "description", text: string) => {
    const store = designerStore.getState();
    const document = field === "name" ? { ...store.document, name: text } : withText(store.document, field, text);
    store.apply(document, { mergeKey: `playbook:${field}` });
  };
  return (
    <div className="inspector__body">
      <h2 className="inspector__heading">Playbook</h2>
      <p className="inspector__hint muted">Select a step on the canvas to edit it.</p>
      <TextSetting label="Name" value={name} onChange={(text) => apply("name", text)} />
      <TextSetting label="Description" value={description} multiline onChange={(text) => apply("description", text)} />
    </div>
  );
}

function TriggerSettings() {
  const trigger = useDesigner((state) => state.document.trigger);
  const catalogue = useDesigner((state) => state.catalogue);
  if (trigger === undefined) return null;
  const triggers = (catalogue ?? []).flatMap((connector) => connector.triggers);
  const change = (field: string, next: typeof trigger) => {
    const store = designerStore.getState();
    store.apply(
      updateTrigger(store.document, () => next),
      { mergeKey: `trigger:${field}` },
    );
  };
  return (
    <div className="inspector__body">
      <p className="inspector__eyebrow">Trigger</p>
      <h2 className="inspector__heading">{trigger.title ?? triggerTitle(catalogue, trigger.type)}</h2>
      <TextSetting label="Title" value={trigger.title ?? ""} onChange={(text) => change("title", withText(trigger, "title", text))} />
      <label className="setting">
        <span className="setting__label">Starts when</span>
        <select
          className="input"
          value={trigger.type}
          onChange={(event) => {
            // A title that only named the old kind of trigger would now mislead: it goes with it.
            const { params: _params, title, ...rest } = trigger;
            const named = title !== undefined && title !== triggerTitle(catalogue, trigger.type);
            change("type", { ...rest, ...(named ? { title } : {}), type: event.target.value });
          }}
        >
          {!triggers.some((option) => option.type === trigger.type) && <option value={trigger.type}>{trigger.type}</option>}
          {triggers.map((option) => (
            <option key={option.type} value={option.type}>
              {option.title}
            </option>
          ))}
        </select>
      </label>
      <TriggerParams key={trigger.type} trigger={trigger} />
    </div>
  );
}

function NodeProblems({ id }: { id: string }) {
  const problems = useDesigner((state) => state.problems);
  const mine = problems.filter((problem) => problem.nodeId === id);
  if (mine.length === 0) return null;
  return (
    <ul className="inspector__problems" aria-label="Problems of this step">
      {mine.map((problem, index) => (
        <li key={index}>{problem.message}</li>
      ))}
    </ul>
  );
}

function StepSettings({ node }: { node: PlaybookNode }) {
  const catalogue = useDesigner((state) => state.catalogue);
  const kindTitle = node.kind === "action" ? actionInfo(catalogue, node.action).connectorName : CONTROL_TITLES[node.kind];
  const heading = node.title ?? (node.kind === "action" ? actionInfo(catalogue, node.action).actionTitle : node.id);
  return (
    <PickerNodeContext.Provider value={node.id}>
      <div className="inspector__body">
        <p className="inspector__eyebrow">{kindTitle}</p>
        <h2 className="inspector__heading">{heading}</h2>
        <p className="inspector__id muted">
          Step id <code>{node.id}</code>
        </p>
        <NodeProblems id={node.id} />
        <TextSetting
          label="Title"
          value={node.title ?? ""}
          onChange={(text) => editNode(node.id, "title", (current) => withText(current, "title", text))}
        />
        <TextSetting
          label="Description"
          multiline
          value={node.description ?? ""}
          onChange={(text) => editNode(node.id, "description", (current) => withText(current, "description", text))}
        />
        {node.kind === "action" && <ActionSettings node={node} />}
        {node.kind === "action" && <RetrySettings node={node} />}
        {node.kind === "foreach" && <ForeachSettings node={node} />}
        {(node.kind === "condition" || node.kind === "until") && (
          <section className="inspector__section">
            <h3 className="inspector__subheading">{node.kind === "condition" ? "Condition" : "Stop when"}</h3>
            <ConditionBuilder
              condition={node.condition}
              onChange={(condition, typing) =>
                editNode(
                  node.id,
                  `condition:${typing ?? ""}`,
                  (current) => ({ ...current, condition }) as PlaybookNode,
                  typing !== undefined,
                )
              }
            />
          </section>
        )}
        {node.kind === "until" && <UntilLimits node={node} />}
        {node.kind === "switch" && <SwitchSettings node={node} />}
      </div>
    </PickerNodeContext.Provider>
  );
}

function ActionSettings({ node }: { node: ActionNode }) {
  const connectorId = node.action.split(".", 1)[0] ?? "";
  const manifest = useDesigner((state) => state.manifests[connectorId]);
  useEffect(() => {
    loadManifest(connectorId);
  }, [connectorId]);
  const action = manifest?.actions.find((candidate) => `${connectorId}.${candidate.id}` === node.action);
  return (
    <>
      {manifest !== undefined && manifest.connection !== null && (
        <ConnectionChooser
          key={node.id}
          value={node.connection ?? ""}
          connectorId={connectorId}
          connectorName={manifest.name}
          spec={manifest.connection}
          onChange={(connection) => editNode(node.id, "connection", (current) => withConnection(current, connection))}
        />
      )}
      <InputsSection node={node} manifest={manifest} action={action} />
    </>
  );
}

function InputsSection({
  node,
  manifest,
  action,
}: {
  node: ActionNode;
  manifest: Manifest | undefined;
  action: ManifestAction | undefined;
}) {
  return (
    <section className="inspector__section">
      <h3 className="inspector__subheading">Inputs</h3>
      {manifest === undefined && <p className="muted">Loading the action’s inputs…</p>}
      {manifest !== undefined && action === undefined && (
        <p className="muted">
          The connector has no action <code>{node.action}</code>.
        </p>
      )}
      {action !== undefined && (
        <>
          {action.description !== "" && <p className="inspector__hint muted">{action.description}</p>}
          <InputsForm
            key={node.id}
            schema={action.inputs}
            inputs={node.inputs ?? {}}
            onChange={(data) => {
              const inputs = cleanInputs(data);
              editNode(node.id, "inputs", (current) =>
                current.kind !== "action" || sameJson(current.inputs ?? {}, inputs) ? current : { ...current, inputs },
              );
            }}
          />
        </>
      )}
    </section>
  );
}

const RETRY_POLICIES: readonly { value: RetryPolicy | "default"; title: string }[] = [
  { value: "default", title: "Default" },
  { value: "none", title: "Never retry" },
  { value: "fixed", title: "Fixed interval" },
  { value: "exponential", title: "Exponential backoff" },
];

/** When a failed call is tried again, and how long one call may take. */
function RetrySettings({ node }: { node: ActionNode }) {
  const retry = node.retry;
  return (
    <section className="inspector__section" aria-label="Retries and timeout">
      <h3 className="inspector__subheading">Retries and timeout</h3>
      <label className="setting">
        <span className="setting__label">Retry policy</span>
        <select
          className="input"
          data-testid="retry-policy"
          value={retry?.policy ?? "default"}
          onChange={(event) =>
            editNode(node.id, "retry", (current) => withRetryPolicy(current, event.target.value as RetryPolicy | "default"))
          }
        >
          {RETRY_POLICIES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.title}
            </option>
          ))}
        </select>
      </label>
      {retry !== undefined && retry.policy !== "none" && (
        <>
          <label className="setting">
            <span className="setting__label">Retries (0 to 90)</span>
            <input
              className="input"
              type="number"
              data-testid="retry-count"
              min={0}
              max={90}
              value={retry.count ?? ""}
              onChange={(event) =>
                editNode(node.id, "retry.count", (current) =>
                  withRetrySetting(current, "count", event.target.value === "" ? undefined : event.target.value),
                )
              }
            />
          </label>
          <label className="setting">
            <span className="setting__label">Interval (ISO 8601 duration, e.g. PT20S)</span>
            <input
              className="input"
              type="text"
              data-testid="retry-interval"
              placeholder="PT20S"
              value={retry.interval ?? ""}
              onChange={(event) => editNode(node.id, "retry.interval", (current) => withRetrySetting(current, "interval", event.target.value))}
            />
          </label>
        </>
      )}
      <label className="setting">
        <span className="setting__label">Timeout (ISO 8601 duration, e.g. PT30S)</span>
        <input
          className="input"
          type="text"
          data-testid="timeout"
          placeholder="PT30S"
          value={node.timeout ?? ""}
          onChange={(event) => editNode(node.id, "timeout", (current) => withTimeout(current, event.target.value))}
        />
      </label>
    </section>
  );
}

function ForeachSettings({ node }: { node: ForeachNode }) {
  return (
    <section className="inspector__section">
      <label className="setting" data-testid="field-items">
        <span className="setting__label">Items</span>
        <ExpressionInput
          value={typeof node.items === "string" ? node.items : JSON.stringify(node.items)}
          placeholder="A list, e.g. from the trigger"
          onChange={(items) => editNode(node.id, "items", (current) => ({ ...current, items }) as PlaybookNode)}
        />
      </label>
      <label className="setting">
        <span className="setting__label">Items at a time (1 runs them one after another)</span>
        <input
          className="input"
          type="number"
          min={1}
          max={50}
          value={node.concurrency ?? 1}
          onChange={(event) => {
            const concurrency = Math.min(50, Math.max(1, Math.round(Number(event.target.value) || 1)));
            editNode(node.id, "concurrency", (current) => ({ ...current, concurrency }) as PlaybookNode);
          }}
        />
      </label>
    </section>
  );
}

function UntilLimits({ node }: { node: UntilNode }) {
  return (
    <label className="setting">
      <span className="setting__label">At most this many rounds</span>
      <input
        className="input"
        type="number"
        min={1}
        value={node.max_iterations ?? ""}
        onChange={(event) => {
          const rounds = Math.max(1, Math.round(Number(event.target.value) || 1));
          editNode(node.id, "max_iterations", (current) => ({ ...current, max_iterations: rounds }) as PlaybookNode);
        }}
      />
    </label>
  );
}

function SwitchSettings({ node }: { node: SwitchNode }) {
  const cases = node.cases.map(String);
  const setCases = (next: string[]) =>
    editNode(node.id, "cases", (current) => ({ ...current, cases: next }) as PlaybookNode);
  return (
    <section className="inspector__section">
      <label className="setting">
        <span className="setting__label">Value to switch on</span>
        <ExpressionInput
          value={typeof node.on === "string" ? node.on : JSON.stringify(node.on)}
          onChange={(on) => editNode(node.id, "on", (current) => ({ ...current, on }) as PlaybookNode)}
        />
      </label>
      <h3 className="inspector__subheading">Cases</h3>
      {cases.map((value, position) => (
        <div className="rules__row" key={position}>
          <input
            className="input"
            aria-label={`Case ${position + 1}`}
            value={value}
            onChange={(event) => setCases(cases.map((item, index) => (index === position ? event.target.value : item)))}
          />
          <button
            type="button"
            className="button button--small"
            onClick={() => setCases(cases.filter((_item, index) => index !== position))}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="button button--small" onClick={() => setCases([...cases, `case_${cases.length + 1}`])}>
        Add case
      </button>
    </section>
  );
}
