import { useEffect, useMemo, useState } from "react";
import type { FormEvent } from "react";
import { filterQuery } from "../api";
import type { PlaybookFilter, PlaybookList, PlaybookSummary } from "../api";
import type { Workspace } from "../auth";
import { ErrorMessage } from "../ErrorMessage";
import { playbookCountText } from "../format";
import { PLAYBOOKS_PATH, navigate, useSearch } from "../router";
import { ConfirmDelete } from "../ConfirmDelete";
import { deletePlaybook } from "../designer/api";
import { usePlaybookList, useWorkspaces } from "./data";
import { HeaderActions } from "./HeaderActions";
import type { ActionFailure } from "./HeaderActions";
import { PlaybookTable } from "./PlaybookTable";
import type { RowHandlers } from "./PlaybookTable";
import { findWorkspace, isFiltered, mayCreate, readFilter } from "./listing";
import "./playbooks.css";

/** Long enough that a word typed at a normal pace is one request, short enough to feel live. */
const SEARCH_DELAY_MS = 300;

// The filter lives in the address, so that a reload or a shared link shows the same list. Replaced,
// not pushed: Back leaves the page rather than replaying every keystroke.
function changeFilter(change: Partial<PlaybookFilter>): void {
  const filter = { ...readFilter(window.location.search), ...change };
  navigate(`${PLAYBOOKS_PATH}${filterQuery(filter)}`, { replace: true });
}

export function PlaybooksPage() {
  const search = useSearch();
  const filter = useMemo(() => readFilter(search), [search]);
  const workspaces = useWorkspaces();
  const { state, reload, retry, updateRow, removeRow } = usePlaybookList(filter);
  const [failure, setFailure] = useState<ActionFailure | null>(null);
  const [highlightedId, setHighlightedId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<PlaybookSummary | null>(null);

  const handlers: RowHandlers = {
    onEnabledChanged: (id, enabled) => updateRow(id, { enabled }),
    onDuplicated: (copyId) => {
      setHighlightedId(copyId);
      reload();
    },
    onDeleteAsked: setDeleting,
  };
  const deleted = () => {
    if (deleting !== null) removeRow(deleting.id);
    setDeleting(null);
  };

  return (
    <section className="panel" aria-labelledby="playbooks-heading">
      <div className="panel__header">
        <h1 id="playbooks-heading">Playbooks</h1>
        {state.status === "ready" && <CountSummary list={state.list} />}
        <HeaderActions
          workspace={filter.workspace}
          allowed={mayCreate(workspaces, filter.workspace)}
          onFailed={setFailure}
        />
      </div>
      <FilterBar filter={filter} workspaces={workspaces} />
      {failure !== null && (
        <ErrorMessage
          title={failure.title}
          error={failure.error}
          action={{ label: "Dismiss", onClick: () => setFailure(null) }}
        />
      )}
      {state.status === "loading" && (
        <p className="panel__message" role="status">
          Loading playbooks…
        </p>
      )}
      {state.status === "error" && (
        <ErrorMessage
          title="Could not load playbooks"
          error={state.error}
          action={{ label: "Try again", onClick: retry }}
        />
      )}
      {state.status === "ready" &&
        (state.list.data.length > 0 ? (
          <PlaybookTable
            playbooks={state.list.data}
            workspaces={workspaces}
            // One workspace listed: the column would say the same thing on every row.
            showWorkspace={workspaces !== null && workspaces.length > 1 && filter.workspace === null}
            highlightedId={highlightedId}
            handlers={handlers}
          />
        ) : isFiltered(filter) ? (
          <NoMatches filter={filter} />
        ) : (
          <EmptyState />
        ))}
      {deleting !== null && (
        <ConfirmDelete
          name={deleting.name}
          action="Delete playbook"
          remove={() => deletePlaybook(deleting.id)}
          onCancel={() => setDeleting(null)}
          onDeleted={deleted}
        >
          The playbook and all its saved versions are deleted. This cannot be undone.
        </ConfirmDelete>
      )}
    </section>
  );
}

function FilterBar({ filter, workspaces }: { filter: PlaybookFilter; workspaces: Workspace[] | null }) {
  // Offered once there is a choice, and always when the address already names a workspace.
  const showWorkspaces = (workspaces !== null && workspaces.length > 1) || filter.workspace !== null;
  return (
    <div className="playbooks-filters">
      <SearchBox value={filter.nameContains} />
      {showWorkspaces && <WorkspaceSelect value={filter.workspace} workspaces={workspaces ?? []} />}
    </div>
  );
}

function SearchBox({ value }: { value: string }) {
  const [text, setText] = useState(value);

  // The address changed without typing (Back, the brand link): show what it now says.
  useEffect(() => {
    setText((current) => (current.trim() === value ? current : value));
  }, [value]);

  useEffect(() => {
    if (text.trim() === value) return undefined;
    const timer = window.setTimeout(() => changeFilter({ nameContains: text.trim() }), SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text, value]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    changeFilter({ nameContains: text.trim() });
  };
  return (
    <form role="search" className="playbooks-search" onSubmit={submit}>
      <input
        type="search"
        className="input"
        placeholder="Search by name"
        aria-label="Search playbooks by name"
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
    </form>
  );
}

function WorkspaceSelect({ value, workspaces }: { value: string | null; workspaces: Workspace[] }) {
  // A workspace named in the address but not among the caller's is kept as an option, so that the
  // select says what the list is filtered by while the server explains the refusal.
  const unknown = value !== null && findWorkspace(workspaces, value) === undefined;
  return (
    <label className="playbooks-workspace">
      <span>Workspace</span>
      <select
        className="input"
        value={value ?? ""}
        onChange={(event) => changeFilter({ workspace: event.target.value || null })}
      >
        <option value="">All workspaces</option>
        {workspaces.map((workspace) => (
          <option key={workspace.id} value={workspace.name}>
            {workspace.name}
          </option>
        ))}
        {unknown && <option value={value}>{value}</option>}
      </select>
    </label>
  );
}

function CountSummary({ list }: { list: PlaybookList }) {
  const shown = list.data.length;
  return (
    <p className="panel__count">
      {playbookCountText(list.total)}
      {shown < list.total && <span className="muted"> · showing first {shown}</span>}
    </p>
  );
}

function EmptyState() {
  return (
    <div className="empty">
      <p className="empty__title">No playbooks yet.</p>
      <p className="muted">
        Start one with New playbook: the designer opens with a trigger to build on. Or import one exported
        as JSON.
      </p>
    </div>
  );
}

function NoMatches({ filter }: { filter: PlaybookFilter }) {
  const where = filter.workspace === null ? "" : ` in ${filter.workspace}`;
  const what = filter.nameContains === "" ? "No playbooks" : `No playbooks match “${filter.nameContains}”`;
  return (
    <div className="empty">
      <p className="empty__title">
        {what}
        {where}.
      </p>
      <button
        type="button"
        className="button"
        onClick={() => changeFilter({ nameContains: "", workspace: null })}
      >
        Clear the filters
      </button>
    </div>
  );
}
