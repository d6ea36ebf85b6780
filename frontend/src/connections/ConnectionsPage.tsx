// Every connection the user can see, as Logic Apps lists its API connections: status, last
// test, the playbooks calling with it; test, edit the authorization, rename, delete several.

import { Suspense, lazy, useMemo, useState } from "react";
import type { ApiError } from "../api";
import { ConfirmDelete } from "../ConfirmDelete";
import { fetchCatalogue } from "../designer/api";
import { ErrorMessage } from "../ErrorMessage";
import { FilterBar, FilterSelect, FilterText } from "../incidents/ListControls";
import { useLoad } from "../incidents/useLoad";
import { Link } from "../Link";
import { useWorkspaces } from "../playbooks/data";
import { allows } from "../playbooks/listing";
import { CONNECTIONS_PATH, designerPath, navigate, useSearch } from "../router";
import { deleteConnections, fetchAllConnections } from "./api";
import type { ListedConnection } from "./api";
import { ConnectionTable } from "./ConnectionTable";
import type { RowHandlers } from "./ConnectionTable";
import {
  CONNECTION_WRITE,
  NO_FILTER,
  connectionFilterQuery,
  connectorOptions,
  deletionName,
  disabledUsers,
  filterConnections,
  inUseConnections,
  isFiltered,
  readConnectionFilter,
  selectedShown,
  toggled,
  toggledAll,
} from "./listing";
import type { ConnectionFilter } from "./listing";
import { RenameDialog } from "./RenameDialog";
import "../playbooks/playbooks.css";
import "../incidents/incidents.css";
import "./connections.css";

const EditAuthorization = lazy(() => import("./EditAuthorization"));

// The filter lives in the address, replaced rather than pushed: Back leaves the page.
function changeFilter(change: Partial<ConnectionFilter>): void {
  const filter = { ...readConnectionFilter(window.location.search), ...change };
  navigate(`${CONNECTIONS_PATH}${connectionFilterQuery(filter)}`, { replace: true });
}

const changeName = (q: string | null) => changeFilter({ q });
const changeConnector = (connector: string | null) => changeFilter({ connector });
const changeWorkspace = (workspace: string | null) => changeFilter({ workspace });

export function ConnectionsPage() {
  const search = useSearch();
  const filter = useMemo(() => readConnectionFilter(search), [search]);
  const list = useLoad("connections", fetchAllConnections);
  const catalogueLoad = useLoad("connectors", fetchCatalogue);
  const workspaces = useWorkspaces();
  const [selection, setSelection] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<ListedConnection | null>(null);
  const [renaming, setRenaming] = useState<ListedConnection | null>(null);
  const [deleting, setDeleting] = useState<ListedConnection[] | null>(null);

  const all = list.state.status === "ready" ? list.state.data : [];
  // Without the catalogue, rows show connector ids: the list is still worth showing.
  const catalogue = catalogueLoad.state.status === "ready" ? catalogueLoad.state.data : [];
  const shown = filterConnections(all, filter, workspaces);
  const chosen = selectedShown(selection, shown);
  const selectable = shown.filter((row) => allows(workspaces, row.workspaceId, CONNECTION_WRITE)).map((row) => row.id);
  const manyWorkspaces = workspaces !== null && workspaces.length > 1;

  const replaceRow = (connection: ListedConnection) =>
    list.update((rows) => rows.map((row) => (row.id === connection.id ? connection : row)));
  const removeRows = (ids: ReadonlySet<string>) => {
    list.update((rows) => rows.filter((row) => !ids.has(row.id)));
    setSelection((current) => new Set([...current].filter((id) => !ids.has(id))));
  };

  const handlers: RowHandlers = {
    onToggle: (id) => setSelection((current) => toggled(current, id)),
    onToggleAll: () => setSelection((current) => toggledAll(current, selectable)),
    onChanged: replaceRow,
    onEdit: setEditing,
    onRename: setRenaming,
  };

  return (
    <section className="panel" aria-labelledby="connections-heading">
      <div className="panel__header">
        <h1 id="connections-heading">Connections</h1>
        {list.state.status === "ready" && <p className="panel__count">{countText(shown.length, all.length)}</p>}
        <div className="panel__actions">
          <button
            type="button"
            className="button button--header button--danger-outline"
            data-testid="delete-selected-button"
            disabled={chosen.length === 0}
            title={chosen.length === 0 ? "Select the connections to delete" : undefined}
            onClick={() => setDeleting(chosen)}
          >
            {chosen.length === 0 ? "Delete selected" : `Delete selected (${chosen.length})`}
          </button>
        </div>
      </div>
      <p className="connections-intro">
        The credentials playbook steps call services with. Create one from a step in the designer. Secrets are stored
        encrypted and never shown again.
      </p>
      <FilterBar>
        <FilterText label="Name" value={filter.q} placeholder="Search names" onChange={changeName} />
        <FilterSelect
          label="Connector"
          value={filter.connector}
          anyLabel="Any connector"
          options={connectorOptions(all, catalogue)}
          onChange={changeConnector}
        />
        {(manyWorkspaces || filter.workspace !== null) && (
          <FilterSelect
            label="Workspace"
            value={filter.workspace}
            anyLabel="All workspaces"
            options={(workspaces ?? []).map((workspace) => ({ value: workspace.name, label: workspace.name }))}
            onChange={changeWorkspace}
          />
        )}
      </FilterBar>
      {list.state.status === "loading" && (
        <p className="panel__message" role="status">
          Loading connections…
        </p>
      )}
      {list.state.status === "error" && (
        <ErrorMessage
          title="Could not load the connections"
          error={list.state.error}
          action={{ label: "Try again", onClick: list.retry }}
        />
      )}
      {list.state.status === "ready" &&
        (shown.length > 0 ? (
          <ConnectionTable
            connections={shown}
            catalogue={catalogue}
            workspaces={workspaces}
            showWorkspace={manyWorkspaces && filter.workspace === null}
            selection={selection}
            selectable={selectable}
            handlers={handlers}
          />
        ) : isFiltered(filter) ? (
          <div className="empty">
            <p className="empty__title">No connection matches the filters.</p>
            <button type="button" className="button" onClick={() => changeFilter(NO_FILTER)}>
              Clear the filters
            </button>
          </div>
        ) : (
          <div className="empty">
            <p className="empty__title">No connections yet.</p>
            <p className="muted">
              In the designer, choose an action step, then “+ New connection…” under Connection.
            </p>
          </div>
        ))}
      {editing !== null && (
        <Suspense fallback={null}>
          <EditAuthorization
            connection={editing}
            connectorName={catalogue.find((connector) => connector.id === editing.connectorId)?.name ?? editing.connectorId}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              replaceRow(saved);
              setEditing(null);
            }}
          />
        </Suspense>
      )}
      {renaming !== null && (
        <RenameDialog
          connection={renaming}
          connections={all}
          onCancel={() => setRenaming(null)}
          onRenamed={(renamed) => {
            replaceRow(renamed);
            setRenaming(null);
          }}
        />
      )}
      {deleting !== null && (
        <ConfirmDelete
          name=""
          title={`Delete ${deletionName(deleting)}?`}
          action={deleting.length === 1 ? "Delete connection" : `Delete ${deleting.length} connections`}
          remove={() => deleteConnections(deleting.map((connection) => connection.id))}
          onCancel={() => setDeleting(null)}
          onDeleted={() => {
            removeRows(new Set(deleting.map((connection) => connection.id)));
            setDeleting(null);
          }}
          explain={InUseList}
          testId="delete-connections-dialog"
        >
          {deleteWarning(deleting)}
        </ConfirmDelete>
      )}
    </section>
  );
}

function countText(shown: number, total: number): string {
  const noun = total === 1 ? "connection" : "connections";
  return shown === total ? `${total} ${noun}` : `${shown} of ${total} ${noun}`;
}

function deleteWarning(connections: readonly ListedConnection[]): string {
  const disabled = disabledUsers(connections);
  const base = "Steps calling with a deleted connection fail. This cannot be undone.";
  if (disabled.length === 0) return base;
  return `${base} Disabled playbooks using ${connections.length === 1 ? "it" : "them"}: ${disabled.join(", ")}.`;
}

/** The refusal's list: each connection kept, and the enabled playbooks that keep it. */
function InUseList(error: ApiError) {
  const blocked = inUseConnections(error.details);
  if (blocked.length === 0) return null;
  return (
    <>
      <p>
        Nothing was deleted: {blocked.length === 1 ? "a connection is" : "connections are"} in use by enabled
        playbooks. Disable them, or make their steps use another connection, then delete again.
      </p>
      <ul className="in-use-list" data-testid="in-use-list">
      {blocked.map((connection) => (
        <li key={connection.id}>
          <strong>{connection.name}</strong>, used by{" "}
          {connection.playbooks.map((playbook, index) => (
            <span key={playbook.id}>
              {index > 0 && ", "}
              <Link to={designerPath(playbook.id)} className="text-link">
                {playbook.name}
              </Link>
            </span>
          ))}
        </li>
      ))}
      </ul>
    </>
  );
}
