import { useId, useState } from "react";
import type { FormEvent } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { Modal } from "../Modal";
import { renameConnection } from "./api";
import type { ListedConnection } from "./api";
import { MAX_NAME_LENGTH, renameNotice, renameProblem } from "./listing";

interface Props {
  connection: ListedConnection;
  /** Every connection listed, for the names already taken. */
  connections: readonly ListedConnection[];
  onCancel: () => void;
  onRenamed: (connection: ListedConnection) => void;
}

export function RenameDialog({ connection, connections, onCancel, onRenamed }: Props) {
  const [name, setName] = useState(connection.name);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [touched, setTouched] = useState(false);
  const inputId = useId();
  const problem = renameProblem(name, connection, connections);
  const notice = renameNotice(connection);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem !== null || saving) return;
    if (name.trim() === connection.name) {
      onCancel();
      return;
    }
    setSaving(true);
    setError(null);
    renameConnection(connection.id, name.trim()).then(onRenamed, (reason: unknown) => {
      setSaving(false);
      setError(toApiError(reason));
    });
  };

  return (
    <Modal labelledBy="rename-connection-title" busy={saving} onCancel={onCancel} testId="rename-connection-dialog">
      <form className="dialog-form" onSubmit={submit} noValidate>
        <h2 id="rename-connection-title">Rename “{connection.name}”</h2>
        <div className="form-field">
          <label htmlFor={inputId} className="form-field__label">
            New name
          </label>
          <input
            id={inputId}
            className="input"
            type="text"
            autoComplete="off"
            spellCheck={false}
            maxLength={MAX_NAME_LENGTH + 1}
            value={name}
            // Selected, so that typing replaces it.
            autoFocus
            onFocus={(event) => event.target.select()}
            onChange={(event) => {
              setName(event.target.value);
              setTouched(true);
            }}
          />
        </div>
        {notice !== null && <p className="muted">{notice}</p>}
        {touched && problem !== null && (
          <p className="dialog-error" role="alert">
            {problem}
          </p>
        )}
        {error !== null && (
          <p className="dialog-error" role="alert">
            Could not rename: {error.message}
          </p>
        )}
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onCancel} disabled={saving}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? "Renaming…" : "Rename"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
