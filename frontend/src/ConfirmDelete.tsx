import { useState } from "react";
import type { ReactNode } from "react";
import { toApiError } from "./api";
import type { ApiError } from "./api";
import { Modal } from "./Modal";

interface Props {
  /** What is deleted, as the title names it: “Delete <name>?”. */
  name: string;
  /** A title of its own, for what a quoted name does not say (several things at once). */
  title?: string;
  /** The button's words, e.g. "Delete playbook". */
  action: string;
  /** What deleting does, in a sentence or two. */
  children: ReactNode;
  remove: () => Promise<unknown>;
  onCancel: () => void;
  onDeleted: () => void;
  testId?: string;
  /** A refusal told better than its message (e.g. a list of what keeps the thing in use), or
   * null to show the message. */
  explain?: (error: ApiError) => ReactNode;
}

/** Asks before deleting, and shows why the server refused. */
export function ConfirmDelete({ name, title, action, children, remove, onCancel, onDeleted, testId, explain }: Props) {
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
      <h2 id="confirm-delete-title">{title ?? `Delete “${name}”?`}</h2>
      <p>{children}</p>
      {error !== null && (
        <div className="dialog-error" role="alert">
          {explain?.(error) ?? <p>Could not delete: {error.message}</p>}
        </div>
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
