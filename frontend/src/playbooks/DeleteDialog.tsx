import { useLayoutEffect, useRef, useState } from "react";
import type { SyntheticEvent } from "react";
import { toApiError } from "../api";
import type { ApiError, PlaybookSummary } from "../api";
import { deletePlaybook } from "../designer/api";

interface Props {
  playbook: PlaybookSummary;
  onCancel: () => void;
  onDeleted: () => void;
}

/** Asks before deleting; a modal <dialog>, so focus stays inside and Escape cancels. */
export function DeleteDialog({ playbook, onCancel, onDeleted }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  // Before paint, so the dialog never shows as an ordinary block in the page. close() on the way
  // out gives focus back to the Delete button that opened it.
  useLayoutEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  const confirm = () => {
    setDeleting(true);
    setError(null);
    deletePlaybook(playbook.id).then(onDeleted, (reason: unknown) => {
      setDeleting(false);
      setError(toApiError(reason));
    });
  };
  // Escape: the browser would close the dialog behind React's back.
  const escape = (event: SyntheticEvent<HTMLDialogElement>) => {
    event.preventDefault();
    if (!deleting) onCancel();
  };

  return (
    <dialog
      ref={dialog}
      className="dialog delete-dialog"
      aria-labelledby="delete-dialog-title"
      aria-describedby="delete-dialog-text"
      onCancel={escape}
    >
      <h2 id="delete-dialog-title">Delete “{playbook.name}”?</h2>
      <p id="delete-dialog-text">The playbook and all its saved versions are deleted. This cannot be undone.</p>
      {error !== null && (
        <p className="delete-dialog__error" role="alert">
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
    </dialog>
  );
}
