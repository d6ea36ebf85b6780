// The small editor an edge opens when clicked: which outcomes of its source let its target run.

import { useEffect, useRef } from "react";
import { RUN_AFTER_STATUSES } from "../graph/document";
import type { RunAfterStatus } from "../graph/document";
import { designerStore, useDesigner } from "./store";

const STATUS_TITLES: Readonly<Record<RunAfterStatus, string>> = {
  succeeded: "Succeeded",
  failed: "Failed",
  skipped: "Skipped",
  timed_out: "Timed out",
};

export interface EdgeEditorAt {
  edgeId: string;
  /** Where the edge was clicked, relative to the canvas. */
  x: number;
  y: number;
}

export function EdgeEditor({ at, onClose }: { at: EdgeEditorAt; onClose: () => void }) {
  const when = useDesigner((state) => state.edges.find((edge) => edge.id === at.edgeId)?.data?.when);
  const first = useRef<HTMLInputElement>(null);
  const gone = when === undefined;

  useEffect(() => {
    // Undo can take the edge away while the editor is open.
    if (gone) onClose();
  }, [gone, onClose]);

  useEffect(() => {
    first.current?.focus();
    const keydown = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", keydown);
    return () => window.removeEventListener("keydown", keydown);
  }, [onClose]);

  if (when === undefined) return null;
  const toggle = (status: RunAfterStatus, on: boolean) => {
    const next = on ? [...when, status] : when.filter((other) => other !== status);
    if (next.length > 0) designerStore.getState().setWhen(at.edgeId, next);
  };
  return (
    <div
      className="edge-editor"
      role="dialog"
      aria-label="Run after"
      data-testid="edge-editor"
      style={{ left: at.x, top: at.y }}
    >
      <div className="edge-editor__head">
        <span className="edge-editor__title">Run the next step when this one</span>
        <button type="button" className="edge-editor__close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {RUN_AFTER_STATUSES.map((status, position) => {
        const checked = when.includes(status);
        const last = checked && when.length === 1;
        return (
          <label key={status} className="edge-editor__option" title={last ? "At least one outcome is needed" : undefined}>
            <input
              ref={position === 0 ? first : undefined}
              type="checkbox"
              data-testid={`edge-when-${status}`}
              checked={checked}
              disabled={last}
              onChange={(event) => toggle(status, event.target.checked)}
            />
            {STATUS_TITLES[status]}
          </label>
        );
      })}
    </div>
  );
}
