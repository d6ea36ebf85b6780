import { useState } from "react";
import type { FormEvent } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { updateIncident } from "./api";
import { Modal } from "../Modal";
import { CLASSIFICATIONS, classificationHint, classificationLabel } from "./model";
import type { Incident } from "./model";

interface Props {
  incident: Incident;
  onCancel: () => void;
  onClosed: (incident: Incident) => void;
}

/** Closing asks what the incident was: the API refuses to close one without a classification. */
export function CloseDialog({ incident, onCancel, onClosed }: Props) {
  const [classification, setClassification] = useState<string | null>(null);
  const [comment, setComment] = useState("");
  const [closing, setClosing] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (classification === null) return;
    setClosing(true);
    setError(null);
    const changes = { status: "closed", classification, classification_comment: comment.trim() };
    updateIncident(incident.id, changes).then(onClosed, (reason: unknown) => {
      setClosing(false);
      setError(toApiError(reason));
    });
  };

  return (
    <Modal labelledBy="close-dialog-title" className="close-dialog" busy={closing} onCancel={onCancel}>
      <form className="close-dialog__form" onSubmit={submit}>
        <h2 id="close-dialog-title">Close incident #{incident.number}</h2>
        <fieldset className="choice-list">
          <legend>Classification</legend>
          {CLASSIFICATIONS.map((value) => (
            <label key={value} className="choice">
              <input
                type="radio"
                name="classification"
                value={value}
                checked={classification === value}
                onChange={() => setClassification(value)}
              />
              <span>
                <span className="choice__label">{classificationLabel(value)}</span>
                <span className="choice__hint">{classificationHint(value)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label className="setting">
          <span className="setting__label">
            Comment <span className="muted">(optional)</span>
          </span>
          <textarea
            className="input"
            rows={3}
            value={comment}
            onChange={(event) => setComment(event.target.value)}
            placeholder="Why it is closed, for whoever reads it later"
          />
        </label>
        {error !== null && (
          <p className="dialog-error" role="alert">
            Could not close: {error.message}
          </p>
        )}
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onCancel} disabled={closing}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={closing || classification === null}>
            {closing ? "Closing…" : "Close incident"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
