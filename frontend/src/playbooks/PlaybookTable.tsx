import { useState } from "react";
import { toApiError } from "../api";
import type { ApiError, PlaybookSummary } from "../api";
import type { Workspace } from "../auth";
import { setPlaybookEnabled } from "../designer/api";
import { formatDateTime, relativeTime, triggerLabel, validationText, versionText } from "../format";
import { Link } from "../Link";
import { designerPath, playbookRunsPath } from "../router";
import { duplicatePlaybook, exportPlaybook } from "./actions";
import { CopyIcon, DownloadIcon, TrashIcon } from "./icons";
import { PLAYBOOK_ENABLE, PLAYBOOK_WRITE, allows, findWorkspace } from "./listing";
import { RowFailure } from "../RowFailure";

export interface RowHandlers {
  onEnabledChanged: (id: string, enabled: boolean) => void;
  onDuplicated: (copyId: string) => void;
  onDeleteAsked: (playbook: PlaybookSummary) => void;
}

interface TableProps {
  playbooks: PlaybookSummary[];
  /** Null while unknown: every action is offered and the server decides. */
  workspaces: Workspace[] | null;
  /** Whether rows come from more than one workspace, so that each should say which. */
  showWorkspace: boolean;
  /** A row just added (a copy), marked so the eye finds it. */
  highlightedId: string | null;
  handlers: RowHandlers;
}

/** Columns of the table without the workspace column; an error row spans them all. */
const COLUMN_COUNT = 7;

export function PlaybookTable({ playbooks, workspaces, showWorkspace, highlightedId, handlers }: TableProps) {
  const now = new Date();
  return (
    <div className="table-wrap">
      <table className="table playbook-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            {showWorkspace && <th scope="col">Workspace</th>}
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Validation</th>
            <th scope="col" className="num">
              Runs
            </th>
            <th scope="col">Updated</th>
            <th scope="col" className="cell-actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {playbooks.map((playbook) => (
            <PlaybookRow
              key={playbook.id}
              playbook={playbook}
              workspaces={workspaces}
              showWorkspace={showWorkspace}
              highlighted={playbook.id === highlightedId}
              now={now}
              handlers={handlers}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

type RowAction = "enable" | "disable" | "duplicate" | "export";

const FAILURE_TITLES: Record<RowAction, string> = {
  enable: "Could not enable",
  disable: "Could not disable",
  duplicate: "Could not duplicate",
  export: "Could not export",
};

const NOT_ALLOWED = "Your role in this playbook's workspace does not allow this";

interface RowProps {
  playbook: PlaybookSummary;
  workspaces: Workspace[] | null;
  showWorkspace: boolean;
  highlighted: boolean;
  now: Date;
  handlers: RowHandlers;
}

function PlaybookRow({ playbook, workspaces, showWorkspace, highlighted, now, handlers }: RowProps) {
  const [busy, setBusy] = useState<RowAction | null>(null);
  const [failure, setFailure] = useState<{ action: RowAction; error: ApiError } | null>(null);
  const mayWrite = allows(workspaces, playbook.workspaceId, PLAYBOOK_WRITE);
  const mayEnable = allows(workspaces, playbook.workspaceId, PLAYBOOK_ENABLE);

  const run = (action: RowAction, work: () => Promise<void>) => {
    setBusy(action);
    setFailure(null);
    work().then(
      () => setBusy(null),
      (error: unknown) => {
        setBusy(null);
        setFailure({ action, error: toApiError(error) });
      },
    );
  };
  const toggle = () => {
    const enable = !playbook.enabled;
    run(enable ? "enable" : "disable", async () => {
      const updated = await setPlaybookEnabled(playbook.id, enable);
      handlers.onEnabledChanged(playbook.id, updated.enabled);
    });
  };
  const duplicate = () =>
    run("duplicate", async () => {
      const copy = await duplicatePlaybook(playbook.id, playbook.workspaceId);
      handlers.onDuplicated(copy.id);
    });

  const classes = ["playbook-row", highlighted && "playbook-row--new", failure !== null && "playbook-row--failed"];
  return (
    <>
      <tr data-testid="playbook-row" className={classes.filter(Boolean).join(" ")}>
        <td>
          <Link to={designerPath(playbook.id)} className="cell-name">
            {playbook.name}
          </Link>
          {playbook.description && <div className="cell-description">{playbook.description}</div>}
        </td>
        {showWorkspace && (
          <td className="cell-workspace">
            {findWorkspace(workspaces ?? [], playbook.workspaceId)?.name ?? playbook.workspaceId}
          </td>
        )}
        <td className="cell-trigger">{triggerLabel(playbook.triggerKind)}</td>
        <td>
          <div className="cell-status">
            <EnableSwitch playbook={playbook} allowed={mayEnable} busy={busy !== null} onToggle={toggle} />
            <span className={playbook.enabled ? "pill pill--on" : "pill pill--off"}>
              {playbook.enabled ? "Enabled" : "Disabled"}
            </span>
          </div>
        </td>
        <td className={playbook.valid ? "validation validation--ok" : "validation validation--warn"}>
          {validationText(playbook.valid, playbook.problemCount)}
        </td>
        <td className="num">
          <Link to={playbookRunsPath(playbook.id)} className="text-link">
            {playbook.runsCount.toLocaleString()}
            <span className="visually-hidden"> runs of {playbook.name}</span>
          </Link>
        </td>
        <td className="cell-updated">
          <time dateTime={playbook.updatedAt} title={formatDateTime(playbook.updatedAt)}>
            {relativeTime(playbook.updatedAt, now)}
          </time>
          <span className="muted" title="The version this change saved">
            {" · "}
            {versionText(playbook.version)}
          </span>
        </td>
        <td>
          <div className="row-actions">
            <button
              type="button"
              className="button icon-button"
              aria-label="Duplicate"
              title={mayWrite ? "Duplicate: save a copy of this playbook" : NOT_ALLOWED}
              disabled={busy !== null || !mayWrite}
              onClick={duplicate}
            >
              <CopyIcon />
            </button>
            <button
              type="button"
              className="button icon-button"
              aria-label="Export"
              title="Export: download the playbook as a JSON file"
              disabled={busy !== null}
              onClick={() => run("export", () => exportPlaybook(playbook.id))}
            >
              <DownloadIcon />
            </button>
            <button
              type="button"
              className="button icon-button icon-button--danger"
              aria-label="Delete"
              title={mayWrite ? "Delete this playbook" : NOT_ALLOWED}
              disabled={busy !== null || !mayWrite}
              onClick={() => handlers.onDeleteAsked(playbook)}
            >
              <TrashIcon />
            </button>
          </div>
        </td>
      </tr>
      {failure !== null && (
        <RowFailure
          columns={showWorkspace ? COLUMN_COUNT + 1 : COLUMN_COUNT}
          title={FAILURE_TITLES[failure.action]}
          message={failure.error.message}
          onDismiss={() => setFailure(null)}
        />
      )}
    </>
  );
}

interface SwitchProps {
  playbook: PlaybookSummary;
  allowed: boolean;
  busy: boolean;
  onToggle: () => void;
}

function EnableSwitch({ playbook, allowed, busy, onToggle }: SwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={playbook.enabled}
      aria-label={`Enable ${playbook.name}`}
      className={playbook.enabled ? "toggle toggle--on row-toggle" : "toggle row-toggle"}
      data-testid="row-enable-toggle"
      disabled={busy || !allowed}
      title={switchTitle(playbook, allowed)}
      onClick={onToggle}
    >
      <span className="toggle__track" aria-hidden="true">
        <span className="toggle__thumb" />
      </span>
    </button>
  );
}

function switchTitle(playbook: PlaybookSummary, allowed: boolean): string {
  if (!allowed) return NOT_ALLOWED;
  if (playbook.enabled) return "Stop running on the trigger";
  return playbook.valid ? "Run on the trigger" : "Fix the playbook's problems before enabling it";
}
