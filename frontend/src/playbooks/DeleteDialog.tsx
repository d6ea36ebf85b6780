import { useState } from "react";
import { toApiError } from "../api";
import type { ApiError, PlaybookSummary } from "../api";
import { deletePlaybook } from "../designer/api";
import { Modal } from "../Modal";

interface Props {
  playbook: PlaybookSummary;
  onCancel: () => void;
  onDeleted: () => void;
}

/** Asks before deleting. */
export function DeleteDialog({ playbook, onCancel, onDeleted }: Props) {
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const confirm = () => {
    setDeleting(true);
    setError(null);
    deletePlaybook(playbook.id).then(onDeleted, (reason: unknown) => {
      setDeleting(false);
      setError(toApiError(reason));
    });
  };

  return (
    <Modal labelledBy="delete-dialog-title" className="delete-dialog" busy={deleting} onCancel={onCancel}>
      <h2 id="delete-dialog-title">Delete “{playbook.name}”?</h2>
      <p>The playbook and all its saved versions are deleted. This cannot be undone.</p>
      {error !== null && (
        <p className="dialog-error" role="alert">
          Could not delete: {error.message}
        </p>
      )}
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onCancel} disabled={deleting}>
          Cancel
        </button>
        <button type="button" className="button button--danger-solid" onClick={confirm} disabled={deleting}>
          {deleting ? "Deleting…" : "Delete playbook"}
        </button>
      </div>
    </Modal>
  );
}
