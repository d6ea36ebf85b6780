import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useRef, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import type { FlowEdge, FlowNode } from "../graph/flow";
import type { XY } from "../graph/geometry";
import { PLAYBOOKS_PATH, guardNavigation } from "../router";
import { fetchPlaybook, validateDocument } from "./api";
import { Canvas } from "./Canvas";
import { copyToClipboard, readFragment } from "./clipboard";
import { loadCatalogue, overwrite, reload, save } from "./controller";
import { Inspector } from "./Inspector";
import { newNodeFor } from "./nodeEdits";
import type { PaletteItem } from "./nodeEdits";
import { Palette } from "./Palette";
import { dropPlacement, freePlacement, sizeOf } from "./placement";
import { ProblemsPanel } from "./ProblemsPanel";
import { designerStore, useDesigner } from "./store";
import { Toolbar } from "./Toolbar";
import { ErrorMessage } from "../ErrorMessage";

/** How long the designer waits after an edit before asking the server to validate. */
const VALIDATE_DELAY_MS = 400;

type LoadState = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready" };

export function DesignerPage({ playbookId }: { playbookId: string }) {
  const [state, setState] = useState<LoadState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    loadCatalogue();
    fetchPlaybook(playbookId, controller.signal).then(
      (playbook) => {
        designerStore.getState().load(playbook);
        setState({ status: "ready" });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [playbookId, attempt]);

  if (state.status === "loading") {
    return (
      <p className="designer-message muted" role="status">
        Loading playbook…
      </p>
    );
  }
  if (state.status === "error") {
    return (
      <div className="designer-message">
        <ErrorMessage
          title="Could not open this playbook"
          error={state.error}
          action={{
            label: "Try again",
            onClick: () => {
              setState({ status: "loading" });
              setAttempt((n) => n + 1);
            },
          }}
          back={{ label: "Back to playbooks", to: PLAYBOOKS_PATH }}
        />
      </div>
    );
  }
  return (
    <ReactFlowProvider>
      <Designer />
    </ReactFlowProvider>
  );
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !["checkbox", "radio", "button"].includes(target.type);
  return target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Text the user selected on the page (a problem's message, say): Ctrl+C copies that. */
function hasTextSelection(): boolean {
  const selection = window.getSelection();
  return selection !== null && !selection.isCollapsed && selection.toString() !== "";
}

function stepsText(count: number): string {
  return count === 1 ? "1 step" : `${count} steps`;
}

function copySteps(): boolean {
  const store = designerStore.getState();
  const fragment = store.copySelection();
  if (fragment === null) return false;
  void copyToClipboard(fragment);
  store.notify(`Copied ${stepsText(fragment.nodes.length)}. Paste with Ctrl+V, here or in another playbook.`);
  return true;
}

async function pasteSteps(reveal: (ids: readonly string[]) => void): Promise<void> {
  const fragment = await readFragment();
  if (fragment !== null) reveal(designerStore.getState().paste(fragment));
}

function useShortcuts(reveal: (ids: readonly string[]) => void): void {
  useEffect(() => {
    const keydown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "s") {
        event.preventDefault();
        void save();
        return;
      }
      // In a text field these belong to the field's own undo, copy and paste.
      if (isEditable(event.target)) return;
      if (key === "c" && !event.shiftKey) {
        if (!hasTextSelection() && copySteps()) event.preventDefault();
      } else if (key === "v" && !event.shiftKey) {
        event.preventDefault();
        void pasteSteps(reveal);
      } else if (key === "d" && !event.shiftKey) {
        event.preventDefault();
        reveal(designerStore.getState().duplicateSelection());
      } else if (key === "z" && !event.shiftKey) {
        event.preventDefault();
        designerStore.getState().undo();
      } else if ((key === "z" && event.shiftKey) || key === "y") {
        event.preventDefault();
        designerStore.getState().redo();
      }
    };
    window.addEventListener("keydown", keydown);
    return () => window.removeEventListener("keydown", keydown);
  }, [reveal]);
}

function useLeaveGuards(): void {
  useEffect(() => {
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (!designerStore.getState().dirty) return;
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", beforeUnload);
    const unguard = guardNavigation(
      () => !designerStore.getState().dirty || window.confirm("Leave the designer? Your unsaved changes will be lost."),
    );
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      unguard();
    };
  }, []);
}

/** Asks the server about the document a moment after each edit; answers for older documents are
 * dropped by the store. */
function useValidation(): void {
  const document = useDesigner((state) => state.document);
  useEffect(() => {
    if (designerStore.getState().problemsOf === document) return undefined;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      validateDocument(document, controller.signal).then(
        (problems) => designerStore.getState().setProblems(document, problems),
        (error: unknown) => {
          if (!controller.signal.aborted) {
            designerStore.getState().notify(`Could not check the playbook: ${toApiError(error).message}`, "error");
          }
        },
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [document]);
}

function Designer() {
  const { screenToFlowPosition, fitView, getZoom, isNodeIntersecting } = useReactFlow<FlowNode, FlowEdge>();
  const canvasArea = useRef<HTMLDivElement>(null);

  // Pasted or duplicated steps may land out of sight: pan to them, at the same zoom.
  const reveal = useCallback(
    (ids: readonly string[]) => {
      const box = canvasArea.current?.getBoundingClientRect();
      if (box === undefined || ids.length === 0) return;
      window.requestAnimationFrame(() => {
        const topLeft = screenToFlowPosition({ x: box.left, y: box.top });
        const bottomRight = screenToFlowPosition({ x: box.right, y: box.bottom });
        const view = { ...topLeft, width: bottomRight.x - topLeft.x, height: bottomRight.y - topLeft.y };
        if (ids.every((id) => isNodeIntersecting({ id }, view, false))) return;
        const zoom = getZoom();
        void fitView({
          nodes: ids.map((id) => ({ id })),
          minZoom: zoom,
          maxZoom: zoom,
          duration: 200,
          // Off screen, so not drawn yet (see FIT_VIEW_OPTIONS).
          includeHiddenNodes: true,
        });
      });
    },
    [fitView, getZoom, isNodeIntersecting, screenToFlowPosition],
  );
  useShortcuts(reveal);
  useLeaveGuards();
  useValidation();

  const place = useCallback((item: PaletteItem, point: XY) => {
    const store = designerStore.getState();
    const node = newNodeFor(item);
    store.addNode(node, dropPlacement(store.nodes, point, sizeOf(node)));
  }, []);

  const addAtCentre = useCallback(
    (item: PaletteItem) => {
      const box = canvasArea.current?.getBoundingClientRect();
      if (box === undefined) return;
      const point = screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 });
      const store = designerStore.getState();
      const node = newNodeFor(item);
      const id = store.addNode(node, freePlacement(store.nodes, point, sizeOf(node)));
      // It may have gone below the visible part: bring it into view, at the same zoom.
      const zoom = getZoom();
      window.requestAnimationFrame(() => void fitView({ nodes: [{ id }], minZoom: zoom, maxZoom: zoom, duration: 200, includeHiddenNodes: true }));
    },
    [fitView, getZoom, screenToFlowPosition],
  );

  return (
    <div className="designer">
      <Toolbar />
      <div className="designer__body">
        <Palette onAdd={addAtCentre} />
        <div className="designer__centre" ref={canvasArea}>
          <Canvas onDropItem={place} />
          <ProblemsPanel />
          <NoticeToast />
        </div>
        <Inspector />
      </div>
      <ConflictDialog />
    </div>
  );
}

function NoticeToast() {
  const notice = useDesigner((state) => state.notice);
  useEffect(() => {
    if (notice === null) return undefined;
    const timer = window.setTimeout(
      () => {
        if (designerStore.getState().notice?.id === notice.id) designerStore.getState().dismissNotice();
      },
      notice.tone === "error" ? 8000 : 4000,
    );
    return () => window.clearTimeout(timer);
  }, [notice]);
  if (notice === null) return null;
  return (
    <div
      className={`toast toast--${notice.tone}`}
      role={notice.tone === "error" ? "alert" : "status"}
      data-testid="designer-notice"
    >
      <span>{notice.text}</span>
      <button
        type="button"
        className="toast__close"
        aria-label="Dismiss"
        onClick={() => designerStore.getState().dismissNotice()}
      >
        ×
      </button>
    </div>
  );
}

function ConflictDialog() {
  const conflict = useDesigner((state) => state.conflict);
  if (conflict === null) return null;
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="conflict-title" data-testid="conflict-dialog">
        <h2 id="conflict-title">Someone else saved this playbook</h2>
        <p>
          {conflict.currentVersion === null
            ? "A newer version was saved while you were editing."
            : `Version ${conflict.currentVersion} was saved while you were editing.`}{" "}
          Keep your changes by saving over it, or load theirs and drop yours.
        </p>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={() => void reload()}>
            Load their version
          </button>
          <button type="button" className="button button--primary" onClick={() => void overwrite()}>
            Save mine over it
          </button>
          <button type="button" className="button" onClick={() => designerStore.getState().setConflict(null)}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
