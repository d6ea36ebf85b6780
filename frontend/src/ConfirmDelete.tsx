import { useState } from "react";
import type { ReactNode } from "react";
import { toApiError } from "./api";
import type { ApiError } from "./api";
import { Modal } from "./Modal";

interface Props {
  /** What is deleted, as the title names it: “Delete <name>?”. */
  name: string;
  /** The button's words, e.g. "Delete playbook". */
  action: string;
  /** What deleting does, in a sentence or two. */
  children: ReactNode;
  remove: () => Promise<unknown>;
  onCancel: () => void;
  onDeleted: () => void;
  testId?: string;
}

/** Asks before deleting, and shows why the server refused. */
export function ConfirmDelete({ name, action, children, remove, onCancel, onDeleted, testId }: Props) {
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const confirm = () => {
    setDeleting(true);
    setError(null);
    remove().then(onDeleted, (reason: unknown) => {
      setDeleting(false);
      setError(toApiError(reason));
    });
  };

  return (
    <Modal labelledBy="confirm-delete-title" busy={deleting} onCancel={onCancel} testId={testId}>
      <h2 id="confirm-delete-title">Delete “{name}”?</h2>
      <p>{children}</p>
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
          {deleting ? "Deleting…" : action}
        </button>
      </div>
    </Modal>
  );
}
