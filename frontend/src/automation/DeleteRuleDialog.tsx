import { useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { Modal } from "../Modal";
import { deleteRule } from "./api";
import type { AutomationRule } from "./rules";

interface Props {
  rule: AutomationRule;
  onCancel: () => void;
  onDeleted: () => void;
}

/** Asks before deleting a rule. */
export function DeleteRuleDialog({ rule, onCancel, onDeleted }: Props) {
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const confirm = () => {
    setDeleting(true);
    setError(null);
    deleteRule(rule.id).then(onDeleted, (reason: unknown) => {
      setDeleting(false);
      setError(toApiError(reason));
    });
  };

  return (
    <Modal labelledBy="delete-rule-title" busy={deleting} onCancel={onCancel} testId="delete-rule-dialog">
      <h2 id="delete-rule-title">Delete “{rule.name}”?</h2>
      <p>
        The rule stops running at once. Its playbooks and the incidents it changed stay as they are. This cannot be
        undone; disable the rule instead to keep it for later.
      </p>
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
          {deleting ? "Deleting…" : "Delete rule"}
        </button>
      </div>
    </Modal>
  );
}
