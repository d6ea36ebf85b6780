// Which connection (credentials) an action step calls its service with: one of the connector's
// connections in the playbook's workspace, or a new one typed in place. The step stores the
// connection's name, which survives export and import where an id would not.

import { useEffect, useState } from "react";
import { toApiError } from "../api";
import { fetchConnections, fetchPlaybookWorkspace, testConnection } from "./api";
import type { Connection, ManifestConnection } from "./api";
import { ConnectionForm } from "./ConnectionForm";
import { chosenConnection, connectionLabel, connectionOptional, listedWith } from "./connectionChoice";
import { useDesigner } from "./store";
import "./connections.css";

type ListState =
  | { status: "loading" }
  | { status: "error"; message: string }
  | { status: "ready"; workspaceId: string; connections: Connection[] };

const workspaces = new Map<string, Promise<string>>();

/** The playbook's workspace, asked once per playbook (it never moves), retried after a failure. */
function workspaceOf(playbookId: string): Promise<string> {
  let request = workspaces.get(playbookId);
  if (request === undefined) {
    request = fetchPlaybookWorkspace(playbookId);
    workspaces.set(playbookId, request);
    request.catch(() => workspaces.delete(playbookId));
  }
  return request;
}

function useConnections(connectorId: string) {
  const playbookId = useDesigner((state) => state.playbookId);
  const [state, setState] = useState<ListState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (playbookId === null) return undefined;
    const controller = new AbortController();
    setState({ status: "loading" });
    workspaceOf(playbookId)
      .then(async (workspaceId) => ({
        workspaceId,
        connections: await fetchConnections(connectorId, workspaceId, controller.signal),
      }))
      .then(
        (loaded) => setState({ status: "ready", ...loaded }),
        (error: unknown) => {
          if (!controller.signal.aborted) setState({ status: "error", message: toApiError(error).message });
        },
      );
    return () => controller.abort();
  }, [playbookId, connectorId, attempt]);

  const put = (connection: Connection) =>
    setState((current) =>
      current.status === "ready" ? { ...current, connections: listedWith(current.connections, connection) } : current,
    );
  return { state, retry: () => setAttempt((count) => count + 1), put };
}

interface ConnectionChooserProps {
  /** The step's `connection`: a connection's name or id, "" for none. */
  value: string;
  connectorId: string;
  connectorName: string;
  spec: ManifestConnection;
  onChange: (connection: string) => void;
}

export function ConnectionChooser({ value, connectorId, connectorName, spec, onChange }: ConnectionChooserProps) {
  const { state, retry, put } = useConnections(connectorId);
  const [formOpen, setFormOpen] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const connections = state.status === "ready" ? state.connections : [];
  const chosen = chosenConnection(connections, value);
  const optional = connectionOptional(spec);
  const { test: anyTest, run } = useConnectionTest(put);
  // A test of a connection no longer chosen says nothing about the chosen one.
  const test = anyTest !== null && anyTest.connectionId === chosen?.id ? anyTest : null;
  const testing = test?.status === "testing";

  return (
    <section className="inspector__section connection-chooser" aria-label="Connection">
      <h3 className="inspector__subheading">Connection</h3>
      <label className="setting">
        <span className="setting__label">Credentials to call {connectorName} with</span>
        <select
          className="input"
          data-testid="connection-select"
          value={chosen?.name ?? value}
          disabled={state.status !== "ready"}
          onChange={(event) => {
            setCreated(null);
            onChange(event.target.value);
          }}
        >
          {optional ? (
            <option value="">None</option>
          ) : (
            value === "" && (
              <option value="" disabled>
                {state.status === "loading" ? "Loading connections…" : "Choose a connection"}
              </option>
            )
          )}
          {value !== "" && chosen === undefined && (
            <option value={value}>{state.status === "ready" ? `${value} · not found in this workspace` : value}</option>
          )}
          {connections.map((connection) => (
            <option key={connection.id} value={connection.name}>
              {connectionLabel(connection)}
            </option>
          ))}
        </select>
      </label>
      {state.status === "error" && (
        <p className="connection-chooser__error" role="alert">
          Could not load the connections: {state.message}{" "}
          <button type="button" className="button button--small" onClick={retry}>
            Try again
          </button>
        </p>
      )}
      {state.status === "ready" && value === "" && !optional && (
        <p className="connection-chooser__hint">
          {connections.length === 0 ? `No ${connectorName} connection yet: create one. ` : ""}
          The step needs a connection to run.
        </p>
      )}
      {created !== null && chosen?.name === created && (
        <p className="connection-chooser__created" role="status">
          Created “{created}” and chose it for this step.
        </p>
      )}
      {state.status === "ready" && !formOpen && (
        <div className="connection-chooser__actions">
          {chosen !== undefined && spec.testable && (
            <button
              type="button"
              className="button button--small"
              data-testid="connection-test"
              disabled={testing}
              onClick={() => void run(chosen)}
            >
              {testing ? "Testing…" : "Test connection"}
            </button>
          )}
          <button
            type="button"
            className="button button--small"
            data-testid="new-connection-button"
            onClick={() => setFormOpen(true)}
          >
            + New connection…
          </button>
        </div>
      )}
      {test !== null && test.status !== "testing" && <TestOutcome test={test} />}
      {state.status === "ready" && formOpen && (
        <ConnectionForm
          connectorId={connectorId}
          connectorName={connectorName}
          workspaceId={state.workspaceId}
          spec={spec}
          onCreated={(connection) => {
            put(connection);
            onChange(connection.name);
            setCreated(connection.name);
            setFormOpen(false);
          }}
          onCancel={() => setFormOpen(false)}
        />
      )}
    </section>
  );
}

type TestState = { connectionId: string } & (
  | { status: "testing" }
  | { status: "done"; connection: Connection }
  | { status: "error"; message: string }
);

/** The connector's test call with a connection; its outcome is also recorded on the connection. */
function useConnectionTest(onTested: (connection: Connection) => void) {
  const [test, setTest] = useState<TestState | null>(null);
  const run = async (connection: Connection) => {
    const connectionId = connection.id;
    // A late answer about another connection must not replace the newer test's state.
    const settle = (next: TestState) => setTest((current) => (current?.connectionId === connectionId ? next : current));
    setTest({ connectionId, status: "testing" });
    try {
      const tested = await testConnection(connectionId);
      onTested(tested);
      settle({ connectionId, status: "done", connection: tested });
    } catch (error) {
      settle({ connectionId, status: "error", message: toApiError(error).message });
    }
  };
  return { test, run };
}

function TestOutcome({ test }: { test: Exclude<TestState, { status: "testing" }> }) {
  const works = test.status === "done" && test.connection.status === "connected";
  const text =
    test.status === "error"
      ? `Could not test: ${test.message}`
      : works
        ? "Connection works."
        : `Test failed: ${test.connection.statusReason || "no reason given"}`;
  return (
    <p
      className={`connection-test__result connection-test__result--${works ? "ok" : "failed"}`}
      role={works ? "status" : "alert"}
      data-testid="connection-test-result"
    >
      {text}
    </p>
  );
}
