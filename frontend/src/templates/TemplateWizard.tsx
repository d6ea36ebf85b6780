// "Create from template": the playbook's name and workspace, a connection for each connection the
// template uses (an existing one, or one typed in place), then the template's settings. Create
// deploys it and opens the new playbook in the designer; whatever the server refuses is shown
// next to the field it concerns, on its step.

import { useEffect, useId, useMemo, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import type { Workspace } from "../auth";
import { fetchConnections, fetchManifest } from "../designer/api";
import type { CatalogueConnector, Connection, ManifestConnection } from "../designer/api";
import { ConnectionForm } from "../designer/ConnectionForm";
import { chosenConnection, connectionLabel, listedWith } from "../designer/connectionChoice";
import "../designer/connections.css";
import { Modal } from "../Modal";
import { MAX_NAME_LENGTH } from "../playbooks/listing";
import { designerPath, navigate } from "../router";
import { deployTemplate } from "./api";
import type { TemplateConnection, TemplateParameter, TemplateSummary } from "./api";
import { scenarioLabel } from "./gallery";
import {
  NEW_CONNECTION,
  STEPS,
  basicsProblems,
  connectionField,
  connectionProblems,
  firstStepWithProblems,
  initialChoice,
  initialInput,
  initialWorkspace,
  parameterField,
  readParameters,
  refusalProblems,
  writableWorkspaces,
} from "./wizard";
import type { ParameterInput, Problems, WizardStep } from "./wizard";

interface Props {
  template: TemplateSummary;
  connectors: ReadonlyMap<string, CatalogueConnector>;
  /** null while they load: the wizard waits for them. */
  workspaces: Workspace[] | null;
  /** The workspace the playbooks list was filtered to, if any. */
  preferredWorkspace: string | null;
  onCancel: () => void;
}

export function TemplateWizard({ template, connectors, workspaces, preferredWorkspace, onCancel }: Props) {
  const titleId = useId();
  const writable = useMemo(() => (workspaces === null ? null : writableWorkspaces(workspaces)), [workspaces]);
  const [step, setStep] = useState<WizardStep>("basics");
  const [name, setName] = useState(template.title);
  const [workspace, setWorkspace] = useState("");
  const [choices, setChoices] = useState<Record<string, string>>({});
  const [inputs, setInputs] = useState<Record<string, ParameterInput>>(() =>
    Object.fromEntries(template.parameters.map((parameter) => [parameter.name, initialInput(parameter)])),
  );
  const [problems, setProblems] = useState<Problems>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [deploying, setDeploying] = useState(false);

  // The workspaces arrive after the wizard opens when the page was loaded just now.
  useEffect(() => {
    if (writable !== null && workspace === "") setWorkspace(initialWorkspace(writable, preferredWorkspace));
  }, [writable, workspace, preferredWorkspace]);

  const parameters = readParameters(template.parameters, inputs);
  const problemsOf = (which: WizardStep): Problems =>
    which === "basics"
      ? basicsProblems(name, workspace)
      : which === "connections"
        ? connectionProblems(template.connections, choices)
        : parameters.problems;
  const index = STEPS.findIndex((candidate) => candidate.id === step);
  const last = index === STEPS.length - 1;

  const goTo = (next: WizardStep) => {
    setFailure(null);
    setStep(next);
  };
  const forward = () => {
    const found = problemsOf(step);
    setProblems(found);
    const next = STEPS[index + 1];
    if (Object.keys(found).length === 0 && next !== undefined) goTo(next.id);
  };
  const create = async () => {
    const found = { ...problemsOf("basics"), ...problemsOf("connections"), ...problemsOf("parameters") };
    setProblems(found);
    const first = firstStepWithProblems(found);
    if (first !== null) {
      setStep(first);
      return;
    }
    setDeploying(true);
    setFailure(null);
    try {
      const playbook = await deployTemplate(template.id, {
        name: name.trim(),
        workspace,
        connections: choices,
        parameters: parameters.values,
      });
      navigate(designerPath(playbook.id));
    } catch (error) {
      const apiError = toApiError(error);
      const refused = refusalProblems(apiError);
      setProblems(refused);
      setStep(firstStepWithProblems(refused) ?? step);
      if (Object.keys(refused).length === 0) setFailure(apiError);
      setDeploying(false);
    }
  };
  // A change to a field takes its problem away: it may be fixed, and Next says if not.
  const changed = (field: string) =>
    setProblems((current) => Object.fromEntries(Object.entries(current).filter(([key]) => key !== field)));

  return (
    <Modal labelledBy={titleId} className="template-wizard" busy={deploying} onCancel={onCancel} testId="template-wizard">
      <header className="template-wizard__header">
        <p className="template-wizard__eyebrow">
          New playbook from a template · <span>{scenarioLabel(template.scenario)}</span>
        </p>
        <h2 id={titleId}>{template.title}</h2>
        <ol className="wizard-steps">
          {STEPS.map((candidate, position) => (
            <li
              key={candidate.id}
              className={
                candidate.id === step
                  ? "wizard-steps__step wizard-steps__step--current"
                  : position < index
                    ? "wizard-steps__step wizard-steps__step--done"
                    : "wizard-steps__step"
              }
              aria-current={candidate.id === step ? "step" : undefined}
            >
              {position < index ? (
                <button type="button" className="wizard-steps__back" onClick={() => goTo(candidate.id)}>
                  <span className="wizard-steps__number">{position + 1}</span>
                  {candidate.title}
                </button>
              ) : (
                <>
                  <span className="wizard-steps__number">{position + 1}</span>
                  {candidate.title}
                </>
              )}
            </li>
          ))}
        </ol>
      </header>
      <div className="template-wizard__body">
        {step === "basics" && (
          <BasicsStep
            description={template.description}
            name={name}
            workspace={workspace}
            writable={writable}
            problems={problems}
            onName={(value) => {
              setName(value);
              changed("name");
            }}
            onWorkspace={(value) => {
              // Connections belong to a workspace: those chosen in another mean nothing here.
              setWorkspace(value);
              setChoices({});
              changed("workspace");
            }}
          />
        )}
        {step === "connections" && (
          <div className="wizard-connections">
            <p className="muted">
              The template&apos;s steps call these services. Choose the credentials each one uses in this workspace,
              or create them here.
            </p>
            {template.connections.map((connection) => (
              <ConnectionRow
                key={`${workspace}/${connection.name}`}
                connection={connection}
                connector={connectors.get(connection.connectorId)}
                workspaceId={workspace}
                choice={choices[connection.name]}
                problem={problems[connectionField(connection.name)]}
                onChoose={(value) => {
                  setChoices((current) => ({ ...current, [connection.name]: value }));
                  changed(connectionField(connection.name));
                }}
              />
            ))}
          </div>
        )}
        {step === "parameters" && (
          <div className="wizard-parameters">
            {template.parameters.length === 0 ? (
              <p className="muted">This template has no settings: it is ready to create.</p>
            ) : (
              template.parameters.map((parameter) => (
                <ParameterField
                  key={parameter.name}
                  parameter={parameter}
                  input={inputs[parameter.name] ?? initialInput(parameter)}
                  problem={problems[parameterField(parameter.name)]}
                  onChange={(value) => {
                    setInputs((current) => ({ ...current, [parameter.name]: value }));
                    changed(parameterField(parameter.name));
                  }}
                />
              ))
            )}
          </div>
        )}
        {failure !== null && (
          <div className="dialog-error" role="alert">
            <p>Could not create the playbook: {failure.message}</p>
          </div>
        )}
      </div>
      <div className="dialog__actions template-wizard__actions">
        <button type="button" className="button" onClick={onCancel} disabled={deploying}>
          Cancel
        </button>
        {index > 0 && (
          <button type="button" className="button" onClick={() => goTo(STEPS[index - 1]?.id ?? "basics")} disabled={deploying}>
            Back
          </button>
        )}
        {last ? (
          <button
            type="button"
            className="button button--primary"
            data-testid="deploy-button"
            disabled={deploying || writable === null}
            onClick={() => void create()}
          >
            {deploying ? "Creating…" : "Create playbook"}
          </button>
        ) : (
          <button type="button" className="button button--primary" onClick={forward} disabled={writable === null}>
            Next
          </button>
        )}
      </div>
    </Modal>
  );
}

function FieldProblem({ problem }: { problem: string | undefined }) {
  if (problem === undefined) return null;
  return (
    <p className="field-problem" role="alert">
      {problem}
    </p>
  );
}

interface BasicsProps {
  description: string;
  name: string;
  workspace: string;
  writable: Workspace[] | null;
  problems: Problems;
  onName: (name: string) => void;
  onWorkspace: (workspace: string) => void;
}

function BasicsStep({ description, name, workspace, writable, problems, onName, onWorkspace }: BasicsProps) {
  const nameId = useId();
  const workspaceId = useId();
  return (
    <div className="wizard-fields">
      <p className="template-wizard__description">{description}</p>
      <div className="wizard-field">
        <label htmlFor={nameId} className="wizard-field__label">
          Playbook name
        </label>
        <input
          id={nameId}
          className="input"
          data-testid="template-playbook-name"
          maxLength={MAX_NAME_LENGTH}
          autoComplete="off"
          value={name}
          aria-invalid={problems["name"] !== undefined}
          onChange={(event) => onName(event.target.value)}
        />
        <FieldProblem problem={problems["name"]} />
      </div>
      <div className="wizard-field">
        <label htmlFor={workspaceId} className="wizard-field__label">
          Workspace
        </label>
        {writable === null ? (
          <p className="muted" role="status">
            Loading your workspaces…
          </p>
        ) : writable.length === 0 ? (
          <p className="field-problem">Your role does not allow creating playbooks in any workspace.</p>
        ) : (
          <select
            id={workspaceId}
            className="input"
            data-testid="template-workspace"
            value={workspace}
            disabled={writable.length === 1}
            onChange={(event) => onWorkspace(event.target.value)}
          >
            {writable.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        )}
        <p className="field-description">The playbook and the connections it uses live in this workspace.</p>
        <FieldProblem problem={problems["workspace"]} />
      </div>
    </div>
  );
}

type RowState =
  | { status: "loading" }
  | { status: "error"; message: string }
  | { status: "ready"; connections: Connection[]; spec: ManifestConnection | null };

function useConnectorConnections(connectorId: string, workspaceId: string) {
  const [state, setState] = useState<RowState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: "loading" });
    Promise.all([
      fetchConnections(connectorId, workspaceId, controller.signal),
      fetchManifest(connectorId, controller.signal),
    ]).then(
      ([connections, manifest]) => setState({ status: "ready", connections, spec: manifest.connection }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", message: toApiError(error).message });
      },
    );
    return () => controller.abort();
  }, [connectorId, workspaceId, attempt]);
  const put = (connection: Connection) =>
    setState((current) =>
      current.status === "ready" ? { ...current, connections: listedWith(current.connections, connection) } : current,
    );
  return { state, put, retry: () => setAttempt((count) => count + 1) };
}

interface RowProps {
  connection: TemplateConnection;
  connector: CatalogueConnector | undefined;
  workspaceId: string;
  /** undefined until the user or the loaded list chose. */
  choice: string | undefined;
  problem: string | undefined;
  onChoose: (choice: string) => void;
}

function ConnectionRow({ connection, connector, workspaceId, choice, problem, onChoose }: RowProps) {
  const { state, put, retry } = useConnectorConnections(connection.connectorId, workspaceId);
  const selectId = useId();
  const connectorName = connector?.name ?? connection.connectorId;

  useEffect(() => {
    if (state.status === "ready" && choice === undefined) onChoose(initialChoice(state.connections));
  }, [state, choice, onChoose]);

  const connections = state.status === "ready" ? state.connections : [];
  // A choice deleted since it was made (the server said so) still shows as what was chosen.
  const missing =
    state.status === "ready" &&
    choice !== undefined &&
    choice !== "" &&
    choice !== NEW_CONNECTION &&
    chosenConnection(connections, choice) === undefined;
  return (
    <div className="wizard-connection" data-testid={`wizard-connection-${connection.name}`}>
      <div className="wizard-connection__head">
        {connector !== undefined && <img src={connector.iconUrl} alt="" width={24} height={24} />}
        <label htmlFor={selectId} className="wizard-connection__label">
          {connectorName}
          {connection.name !== connection.connectorId && (
            <span className="muted"> · used as “{connection.name}”</span>
          )}
        </label>
      </div>
      {state.status === "error" && (
        <p className="field-problem" role="alert">
          Could not load the {connectorName} connections: {state.message}{" "}
          <button type="button" className="button button--small" onClick={retry}>
            Try again
          </button>
        </p>
      )}
      <select
        id={selectId}
        className="input"
        data-testid="wizard-connection-select"
        value={choice ?? ""}
        disabled={state.status !== "ready"}
        aria-invalid={problem !== undefined}
        onChange={(event) => onChoose(event.target.value)}
      >
        <option value="" disabled>
          {state.status === "loading" ? "Loading connections…" : "Choose a connection"}
        </option>
        {missing && <option value={choice}>{choice} · not found in this workspace</option>}
        {connections.map((candidate) => (
          <option key={candidate.id} value={candidate.name}>
            {connectionLabel(candidate)}
          </option>
        ))}
        <option value={NEW_CONNECTION}>New connection…</option>
      </select>
      {state.status === "ready" && connections.length === 0 && (
        <p className="field-description">No {connectorName} connection in this workspace yet: create one below.</p>
      )}
      {state.status === "ready" && choice === NEW_CONNECTION && state.spec !== null && (
        <ConnectionForm
          connectorId={connection.connectorId}
          connectorName={connectorName}
          workspaceId={workspaceId}
          spec={state.spec}
          onCreated={(created) => {
            put(created);
            onChoose(created.name);
          }}
          onCancel={() => onChoose("")}
        />
      )}
      <FieldProblem problem={problem} />
    </div>
  );
}

interface ParameterProps {
  parameter: TemplateParameter;
  input: ParameterInput;
  problem: string | undefined;
  onChange: (input: ParameterInput) => void;
}

function ParameterField({ parameter, input, problem, onChange }: ParameterProps) {
  const id = useId();
  const describedBy = `${id}-description`;
  const label = (
    <label htmlFor={id} className="wizard-field__label">
      {parameter.title}
    </label>
  );
  const description = (
    <p id={describedBy} className="field-description">
      {parameter.description}
    </p>
  );
  const common = {
    id,
    "aria-describedby": describedBy,
    "aria-invalid": problem !== undefined,
    "data-testid": `parameter-${parameter.name}`,
  };

  if (parameter.type === "boolean") {
    return (
      <div className="wizard-field">
        <label className="wizard-field__check">
          <input {...common} type="checkbox" checked={input === true} onChange={(event) => onChange(event.target.checked)} />
          {parameter.title}
        </label>
        {description}
        <FieldProblem problem={problem} />
      </div>
    );
  }
  if (parameter.type === "array" && parameter.enum !== null) {
    const ticked = Array.isArray(input) ? input : [];
    return (
      <fieldset className="wizard-field wizard-field--choices" aria-describedby={describedBy} data-testid={common["data-testid"]}>
        <legend className="wizard-field__label">{parameter.title}</legend>
        {description}
        <div className="wizard-choices">
          {parameter.enum.map((option) => (
            <label key={option} className="wizard-field__check">
              <input
                type="checkbox"
                checked={ticked.includes(option)}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? parameter.enum?.filter((candidate) => candidate === option || ticked.includes(candidate)) ?? []
                      : ticked.filter((candidate) => candidate !== option),
                  )
                }
              />
              {option}
            </label>
          ))}
        </div>
        <FieldProblem problem={problem} />
      </fieldset>
    );
  }
  const text = typeof input === "string" ? input : "";
  return (
    <div className="wizard-field">
      {label}
      {description}
      {parameter.type === "array" ? (
        <textarea {...common} className="input" rows={3} spellCheck={false} value={text} onChange={(event) => onChange(event.target.value)} />
      ) : parameter.type === "string" && parameter.enum !== null ? (
        <select {...common} className="input" value={text} onChange={(event) => onChange(event.target.value)}>
          {parameter.enum.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          className="input"
          type={parameter.type === "integer" ? "number" : "text"}
          inputMode={parameter.type === "integer" ? "numeric" : undefined}
          min={parameter.minimum ?? undefined}
          max={parameter.maximum ?? undefined}
          autoComplete="off"
          spellCheck={false}
          value={text}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      <FieldProblem problem={problem} />
    </div>
  );
}
