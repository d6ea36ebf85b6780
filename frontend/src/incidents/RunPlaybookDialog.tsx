import { useState } from "react";
import { toApiError } from "../api";
import type { ApiError, PlaybookSummary } from "../api";
import { ErrorMessage } from "../ErrorMessage";
import { fetchRunnablePlaybooks, startRun } from "./api";
import { Modal } from "../Modal";
import type { RunStarted } from "./model";
import { useLoad } from "./useLoad";

interface Props {
  incidentId: string;
  incidentNumber: number;
  onCancel: () => void;
  onStarted: (playbook: PlaybookSummary, run: RunStarted) => void;
}

/** The playbooks that can run on this incident, to start one by hand. */
export function RunPlaybookDialog({ incidentId, incidentNumber, onCancel, onStarted }: Props) {
  const { state, retry } = useLoad(`runnable:${incidentId}`, (signal) => fetchRunnablePlaybooks(incidentId, signal));
  const [starting, setStarting] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const choose = (playbook: PlaybookSummary) => {
    setStarting(playbook.id);
    setError(null);
    startRun(incidentId, playbook.id).then(
      (run) => onStarted(playbook, run),
      (reason: unknown) => {
        setStarting(null);
        setError(toApiError(reason));
      },
    );
  };

  return (
    <Modal labelledBy="run-playbook-title" className="run-dialog" busy={starting !== null} onCancel={onCancel}>
      <h2 id="run-playbook-title">Run a playbook on incident #{incidentNumber}</h2>
      {state.status === "loading" && (
        <p className="muted" role="status">
          Loading the playbooks…
        </p>
      )}
      {state.status === "error" && (
        <ErrorMessage title="Could not load the playbooks" error={state.error} action={{ label: "Try again", onClick: retry }} />
      )}
      {state.status === "ready" &&
        (state.data.data.length === 0 ? (
          <p className="run-dialog__empty" data-testid="run-playbook-empty">
            No playbook can run on this incident: enable one whose trigger is 'When an incident is created'.
          </p>
        ) : (
          <>
            <p className="muted">The playbook starts at once with this incident as its trigger.</p>
            <ul className="run-dialog__list">
              {state.data.data.map((playbook) => (
                <li key={playbook.id}>
                  <button
                    type="button"
                    className="run-dialog__item"
                    data-testid="run-playbook-item"
                    disabled={starting !== null}
                    onClick={() => choose(playbook)}
                  >
                    <span className="run-dialog__name">{playbook.name}</span>
                    <span className="run-dialog__description">
                      {playbook.description || <span className="muted">No description</span>}
                    </span>
                    <span className="run-dialog__go" aria-hidden="true">
                      {starting === playbook.id ? "Starting…" : "Run"}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        ))}
      {error !== null && (
        <p className="dialog-error" role="alert">
          Could not start the playbook: {error.message}
        </p>
      )}
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onCancel} disabled={starting !== null}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
