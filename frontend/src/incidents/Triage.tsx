// The incident's triage controls: status (closing asks for a classification), severity, owner and
// labels. Each change is one PATCH; its answer, the incident as it now is, replaces the page's.

import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { updateIncident } from "./api";
import type { IncidentChanges } from "./api";
import { CloseDialog } from "./CloseDialog";
import { SEVERITIES, STATUSES, severityLabel, statusLabel } from "./model";
import type { Incident } from "./model";
import { addLabel, ownerFrom, removeLabel } from "./triage";

export interface TriageFailure {
  title: string;
  error: ApiError;
}

interface Props {
  incident: Incident;
  /** The signed-in user's name, for "Assign to me". */
  userName: string;
  onChanged: (incident: Incident) => void;
  onFailed: (failure: TriageFailure | null) => void;
}

export function TriageBar({ incident, userName, onChanged, onFailed }: Props) {
  const [busy, setBusy] = useState(false);
  const [closing, setClosing] = useState(false);

  const change = (title: string, changes: IncidentChanges): Promise<boolean> => {
    setBusy(true);
    onFailed(null);
    return updateIncident(incident.id, changes).then(
      (updated) => {
        setBusy(false);
        onChanged(updated);
        return true;
      },
      (error: unknown) => {
        setBusy(false);
        onFailed({ title, error: toApiError(error) });
        return false;
      },
    );
  };

  const statusChosen = (status: string) => {
    if (status === incident.status) return;
    if (status === "closed") setClosing(true);
    else void change("Could not change the status", { status });
  };

  return (
    <div className="triage" aria-label="Triage">
      <label className="triage__field">
        <span className="triage__label">Status</span>
        <select
          className="input"
          value={incident.status}
          disabled={busy}
          onChange={(event) => statusChosen(event.target.value)}
          data-testid="status-select"
        >
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {statusLabel(status)}
            </option>
          ))}
        </select>
      </label>
      <label className="triage__field">
        <span className="triage__label">Severity</span>
        <select
          className="input"
          value={incident.severity}
          disabled={busy}
          onChange={(event) => void change("Could not change the severity", { severity: event.target.value })}
          data-testid="severity-select"
        >
          {SEVERITIES.map((severity) => (
            <option key={severity} value={severity}>
              {severityLabel(severity)}
            </option>
          ))}
        </select>
      </label>
      <OwnerField
        owner={incident.owner}
        userName={userName}
        busy={busy}
        onAssign={(owner) => change(owner === null ? "Could not unassign" : "Could not assign", { owner })}
      />
      <LabelsField
        labels={incident.labels}
        busy={busy}
        onChange={(labels) => change("Could not change the labels", { labels })}
      />
      {closing && (
        <CloseDialog
          incident={incident}
          onCancel={() => setClosing(false)}
          onClosed={(updated) => {
            setClosing(false);
            onChanged(updated);
          }}
        />
      )}
    </div>
  );
}

interface OwnerProps {
  owner: string | null;
  userName: string;
  busy: boolean;
  /** Resolves to whether the change was made. */
  onAssign: (owner: string | null) => Promise<boolean>;
}

function OwnerField({ owner, userName, busy, onAssign }: OwnerProps) {
  const [text, setText] = useState(owner ?? "");
  // Another owner came from the server (a rule, a reload): show it.
  useEffect(() => setText(owner ?? ""), [owner]);
  const wanted = ownerFrom(text);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (wanted !== owner) void onAssign(wanted);
  };
  return (
    <form className="triage__field triage__owner" onSubmit={submit}>
      <label htmlFor="incident-owner" className="triage__label">
        Owner
      </label>
      <div className="triage__inline">
        <input
          id="incident-owner"
          className="input"
          value={text}
          placeholder="Unassigned"
          maxLength={200}
          disabled={busy}
          onChange={(event) => setText(event.target.value)}
        />
        {wanted !== owner ? (
          <button type="submit" className="button button--small" disabled={busy}>
            {wanted === null ? "Unassign" : "Assign"}
          </button>
        ) : (
          owner !== userName && (
            <button
              type="button"
              className="button button--small button--quiet"
              disabled={busy}
              onClick={() => void onAssign(userName)}
            >
              Assign to me
            </button>
          )
        )}
      </div>
    </form>
  );
}

interface LabelsProps {
  labels: string[];
  busy: boolean;
  onChange: (labels: string[]) => Promise<boolean>;
}

function LabelsField({ labels, busy, onChange }: LabelsProps) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = addLabel(labels, text);
    if ("problem" in result) {
      setProblem(result.problem);
      return;
    }
    setProblem(null);
    void onChange(result.labels).then((done) => {
      if (done) setText("");
    });
  };

  return (
    <div className="triage__field triage__labels">
      <span className="triage__label" id="incident-labels-label">
        Labels
      </span>
      <div className="triage__inline">
        <ul className="label-list" aria-labelledby="incident-labels-label" data-testid="incident-labels">
          {labels.map((label) => (
            <li key={label} className="label-chip">
              <span>{label}</span>
              <button
                type="button"
                className="label-chip__remove"
                aria-label={`Remove label ${label}`}
                title="Remove"
                disabled={busy}
                onClick={() => void onChange(removeLabel(labels, label))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
        <form className="triage__add-label" onSubmit={submit}>
          <input
            className="input input--small"
            value={text}
            placeholder="Add a label"
            aria-label="New label"
            maxLength={120}
            disabled={busy}
            onChange={(event) => {
              setText(event.target.value);
              setProblem(null);
            }}
          />
          <button type="submit" className="button button--small" disabled={busy || text.trim() === ""}>
            Add
          </button>
        </form>
      </div>
      {problem !== null && (
        <p className="field-problem" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
