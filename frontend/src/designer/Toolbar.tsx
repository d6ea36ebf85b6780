import { versionText } from "../format";
import { Link } from "../Link";
import { PLAYBOOKS_PATH, playbookRunsPath } from "../router";
import { useReactFlow } from "@xyflow/react";
import { FIT_VIEW_OPTIONS } from "./Canvas";
import { arrange, save, toggleEnabled } from "./controller";
import { designerStore, useDesigner } from "./store";

function statusText(dirty: boolean, saving: boolean, version: number): string {
  if (saving) return "Saving…";
  return dirty ? "Unsaved changes" : `Saved · ${versionText(version)}`;
}

export function Toolbar() {
  const name = useDesigner((state) => state.document.name);
  const dirty = useDesigner((state) => state.dirty);
  const saving = useDesigner((state) => state.saving);
  const version = useDesigner((state) => state.version);
  const enabled = useDesigner((state) => state.enabled);
  const playbookId = useDesigner((state) => state.playbookId);
  const canUndo = useDesigner((state) => state.history.past.length > 0);
  const canRedo = useDesigner((state) => state.history.future.length > 0);
  const { fitView } = useReactFlow();
  const layOut = () =>
    void arrange().then((changed) => {
      // After React Flow has drawn the new places.
      if (changed) window.requestAnimationFrame(() => void fitView({ ...FIT_VIEW_OPTIONS, duration: 300 }));
    });

  return (
    <div className="designer-toolbar">
      <Link to={PLAYBOOKS_PATH} className="designer-toolbar__back">
        ← Playbooks
      </Link>
      <h1 className="designer-toolbar__name" title={name}>
        {name.trim() === "" ? "Untitled playbook" : name}
      </h1>
      <span className={dirty ? "designer-toolbar__status designer-toolbar__status--dirty" : "designer-toolbar__status"}>
        {statusText(dirty, saving, version)}
      </span>
      <div className="designer-toolbar__actions">
        {playbookId !== null && (
          <>
            <Link to={playbookRunsPath(playbookId)} className="button button--toolbar button--link">
              Runs
            </Link>
            <span className="designer-toolbar__divider" aria-hidden="true" />
          </>
        )}
        <button
          type="button"
          className="button button--toolbar"
          data-testid="undo-button"
          title="Undo (Ctrl+Z)"
          disabled={!canUndo}
          onClick={() => designerStore.getState().undo()}
        >
          Undo
        </button>
        <button
          type="button"
          className="button button--toolbar"
          data-testid="redo-button"
          title="Redo (Ctrl+Shift+Z)"
          disabled={!canRedo}
          onClick={() => designerStore.getState().redo()}
        >
          Redo
        </button>
        <button
          type="button"
          className="button button--toolbar"
          data-testid="layout-button"
          title="Arrange the steps top to bottom"
          onClick={layOut}
        >
          Auto-layout
        </button>
        <span className="designer-toolbar__divider" aria-hidden="true" />
        <button
          type="button"
          role="switch"
          aria-checked={enabled}
          className={enabled ? "toggle toggle--on" : "toggle"}
          data-testid="enable-toggle"
          disabled={dirty}
          title={dirty ? "Save your changes before enabling or disabling" : enabled ? "Stop running on the trigger" : "Run on the trigger"}
          onClick={() => void toggleEnabled()}
        >
          <span className="toggle__track" aria-hidden="true">
            <span className="toggle__thumb" />
          </span>
          {enabled ? "Enabled" : "Disabled"}
        </button>
        <button
          type="button"
          className="button button--primary button--toolbar"
          data-testid="save-button"
          title="Save (Ctrl+S)"
          disabled={saving}
          onClick={() => void save()}
        >
          Save
        </button>
      </div>
    </div>
  );
}
