import { useEffect, useRef, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import type { Workspace } from "../auth";
import type { CatalogueConnector } from "../designer/api";
import { formatDateTime, relativeTime } from "../format";
import { Link } from "../Link";
import { allows, findWorkspace } from "../playbooks/listing";
import { designerPath } from "../router";
import { runConnectionTest } from "./api";
import type { ListedConnection } from "./api";
import { CONNECTION_WRITE, selectAllState, statusView } from "./listing";
import type { SelectAllState } from "./listing";
import { RowFailure } from "../RowFailure";

export interface RowHandlers {
  onToggle: (id: string) => void;
  onToggleAll: () => void;
  /** A row's connection as the server now has it (after a test). */
  onChanged: (connection: ListedConnection) => void;
  onEdit: (connection: ListedConnection) => void;
  onRename: (connection: ListedConnection) => void;
}

interface TableProps {
  connections: ListedConnection[];
  catalogue: CatalogueConnector[];
  /** Null while unknown: every action is offered and the server decides. */
  workspaces: Workspace[] | null;
  showWorkspace: boolean;
  selection: ReadonlySet<string>;
  /** The rows the role allows deleting. */
  selectable: readonly string[];
  handlers: RowHandlers;
}

const NOT_ALLOWED = "Your role in this connection's workspace does not allow this";
/** Columns without the workspace column; an error row spans them all. */
const COLUMN_COUNT = 8;

export function ConnectionTable(props: TableProps) {
  const { connections, catalogue, workspaces, showWorkspace, selection, selectable, handlers } = props;
  const now = new Date();
  return (
    <div className="table-wrap">
      <table className="table connection-table" data-testid="connections-table">
        <thead>
          <tr>
            <th scope="col" className="cell-select">
              <SelectAll
                state={selectAllState(selection, selectable)}
                disabled={selectable.length === 0}
                onToggle={handlers.onToggleAll}
              />
            </th>
            <th scope="col">Name</th>
            <th scope="col">Connector</th>
            {showWorkspace && <th scope="col">Workspace</th>}
            <th scope="col">Status</th>
            <th scope="col">Last tested</th>
            <th scope="col">Used by</th>
            <th scope="col" className="cell-actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {connections.map((connection) => (
            <ConnectionRow
              key={connection.id}
              connection={connection}
              connector={catalogue.find((candidate) => candidate.id === connection.connectorId)}
              workspaceName={findWorkspace(workspaces ?? [], connection.workspaceId)?.name ?? connection.workspaceId}
              showWorkspace={showWorkspace}
              mayWrite={allows(workspaces, connection.workspaceId, CONNECTION_WRITE)}
              selected={selection.has(connection.id)}
              now={now}
              handlers={handlers}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SelectAll({ state, disabled, onToggle }: { state: SelectAllState; disabled: boolean; onToggle: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  // Only a script can set the half-checked look.
  useEffect(() => {
    if (box.current !== null) box.current.indeterminate = state === "some";
  }, [state]);
  return (
    <input
      ref={box}
      type="checkbox"
      className="row-check"
      aria-label="Select all connections shown"
      checked={state === "all"}
      disabled={disabled}
      onChange={onToggle}
    />
  );
}

interface RowProps {
  connection: ListedConnection;
  connector: CatalogueConnector | undefined;
  workspaceName: string;
  showWorkspace: boolean;
  mayWrite: boolean;
  selected: boolean;
  now: Date;
  handlers: RowHandlers;
}

function ConnectionRow({ connection, connector, workspaceName, showWorkspace, mayWrite, selected, now, handlers }: RowProps) {
  const [testing, setTesting] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const status = statusView(connection);

  const test = () => {
    setTesting(true);
    setFailure(null);
    runConnectionTest(connection.id).then(
      (tested) => {
        setTesting(false);
        handlers.onChanged(tested);
      },
      (error: unknown) => {
        setTesting(false);
        setFailure(toApiError(error));
      },
    );
  };

  const classes = ["connection-row", selected && "connection-row--selected", failure !== null && "playbook-row--failed"];
  return (
    <>
      <tr data-testid="connection-row" className={classes.filter(Boolean).join(" ")}>
        <td className="cell-select">
          <input
            type="checkbox"
            className="row-check"
            aria-label={`Select ${connection.name}`}
            title={mayWrite ? undefined : NOT_ALLOWED}
            checked={selected}
            disabled={!mayWrite}
            onChange={() => handlers.onToggle(connection.id)}
          />
        </td>
        <td className="cell-connection-name">
          <span className="cell-name">{connection.name}</span>
        </td>
        <td>
          <span className="connector-cell">
            {connector !== undefined && <img src={connector.iconUrl} alt="" width={18} height={18} />}
            {connector?.name ?? connection.connectorId}
          </span>
        </td>
        {showWorkspace && <td className="cell-workspace">{workspaceName}</td>}
        <td className="cell-connection-status" data-testid="connection-status">
          <span className={`pill ${STATUS_PILLS[status.tone]}`}>{testing ? "Testing…" : status.label}</span>
          {status.reason !== "" && !testing && (
            <p className="connection-status__reason" title={status.reason}>
              {status.reason}
            </p>
          )}
        </td>
        <td className="cell-updated">
          {connection.lastTestedAt === null ? (
            <span className="muted">Never</span>
          ) : (
            <time dateTime={connection.lastTestedAt} title={formatDateTime(connection.lastTestedAt)}>
              {relativeTime(connection.lastTestedAt, now)}
            </time>
          )}
        </td>
        <td>
          <UsedBy connection={connection} />
        </td>
        <td>
          <div className="row-actions">
            <button
              type="button"
              className="button button--small"
              data-testid="test-connection-button"
              title={mayWrite ? "Run the connector's test call with this connection" : NOT_ALLOWED}
              disabled={testing || !mayWrite}
              onClick={test}
            >
              {testing ? "Testing…" : "Test"}
            </button>
            <button
              type="button"
              className="button button--small"
              data-testid="edit-connection-button"
              title={mayWrite ? "Change the credentials" : NOT_ALLOWED}
              disabled={testing || !mayWrite}
              onClick={() => handlers.onEdit(connection)}
            >
              Edit
            </button>
            <button
              type="button"
              className="button button--small"
              data-testid="rename-connection-button"
              title={mayWrite ? "Rename" : NOT_ALLOWED}
              disabled={testing || !mayWrite}
              onClick={() => handlers.onRename(connection)}
            >
              Rename
            </button>
          </div>
        </td>
      </tr>
      {failure !== null && (
        <RowFailure
          columns={showWorkspace ? COLUMN_COUNT + 1 : COLUMN_COUNT}
          title="Could not test"
          message={failure.message}
          onDismiss={() => setFailure(null)}
        />
      )}
    </>
  );
}

const STATUS_PILLS = { ok: "pill--on", error: "pill--failed", untested: "pill--off" } as const;

function UsedBy({ connection }: { connection: ListedConnection }) {
  if (connection.usedBy.length === 0) return <span className="muted">No playbook</span>;
  return (
    <ul className="used-by" data-testid="connection-used-by">
      {connection.usedBy.map((use) => (
        <li key={use.id}>
          <Link to={designerPath(use.id)} className="text-link">
            {use.name}
          </Link>
          {use.enabled && (
            <span className="pill pill--on pill--tiny" title="Enabled: runs on its trigger">
              Enabled
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
