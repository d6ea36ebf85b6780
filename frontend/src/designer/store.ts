// The designer's state: the document being edited with its undo history, what is selected, what
// the server said about it (problems, version) and what the canvas draws. Every edit goes through
// `apply`, so undo covers all of them and the dirty flag is always right.

import { applyEdgeChanges, applyNodeChanges } from "@xyflow/react";
import type { EdgeChange, NodeChange } from "@xyflow/react";
import { useStore } from "zustand";
import { createStore } from "zustand/vanilla";
import type { StoreApi } from "zustand/vanilla";
import {
  addNode,
  connect,
  copyFragment,
  duplicateNodes,
  moveNodes,
  moveToBranch,
  pasteSubgraph,
  removeEdges,
  removeNodes,
  setWhen,
} from "../graph/edit";
import type { Fragment, NewNode, Placement } from "../graph/edit";
import type { PlaybookDocument, RunAfterStatus } from "../graph/document";
import { FORMAT, entryOf, nodeLabel } from "../graph/document";
import { indexDocument, stepById } from "../graph/graph";
import { branchTitle } from "./labels";
import { toFlow } from "../graph/flow";
import type { FlowEdge, FlowNode } from "../graph/flow";
import type { XY } from "../graph/geometry";
import type { CatalogueConnector, Manifest, Playbook, Problem } from "./api";
import { countProblems, decorateNodes, documentIdOf, lanesByContainer, withProblemCounts } from "./canvasModel";
import type { LaneBox } from "./canvasModel";
import { dragPlacement, pasteOffset } from "./placement";
import { record, redo, startHistory, undo } from "./history";
import type { History } from "./history";

export interface Notice {
  /** Grows with every notice, so the same text shown twice still restarts its timer. */
  id: number;
  tone: "error" | "info";
  text: string;
}

export interface Conflict {
  /** The version saved by someone else, when the server said. */
  currentVersion: number | null;
}

export interface DesignerState {
  playbookId: string | null;
  history: History;
  /** The document as edited: always `history.present`. */
  document: PlaybookDocument;
  /** The document as last loaded or saved; dirty means `document` is another one. */
  saved: PlaybookDocument;
  dirty: boolean;
  /** The version `saved` is, sent as If-Match. */
  version: number;
  enabled: boolean;
  saving: boolean;
  conflict: Conflict | null;

  /** Canvas ids of the selected nodes and edges. */
  selection: ReadonlySet<string>;
  selectedEdges: ReadonlySet<string>;
  nodes: FlowNode[];
  edges: FlowEdge[];
  lanes: ReadonlyMap<string, LaneBox[]>;

  problems: Problem[];
  /** The document `problems` were found in; older answers are dropped. */
  problemsOf: PlaybookDocument | null;
  problemCounts: ReadonlyMap<string, number>;

  notice: Notice | null;
  catalogue: CatalogueConnector[] | null;
  manifests: Readonly<Record<string, Manifest>>;

  load(playbook: Playbook): void;
  /** Records an edit; `mergeKey` joins consecutive edits (typing in one field) into one undo step. */
  apply(next: PlaybookDocument, options?: { mergeKey?: string; select?: readonly string[] }): void;
  undo(): void;
  redo(): void;
  select(ids: readonly string[]): void;
  addNode(node: NewNode, placement: Placement): string;
  connect(source: string, target: string, branch?: string): void;
  remove(nodeIds: readonly string[], edgeIds: readonly string[]): void;
  /** The selected steps with their content and the edges among them; null when no step (the
   * trigger is never copied) is selected. */
  copySelection(): Fragment | null;
  /** Adds the fragment under new ids, beside where it was copied, and selects it; returns the
   * new ids. */
  paste(fragment: Fragment): string[];
  /** Copies the selected steps next to themselves and selects the copies; returns their ids. */
  duplicateSelection(): string[];
  /** Sets the statuses that let an edge's target run (edge by canvas id; at least one). */
  setWhen(edgeId: string, statuses: readonly RunAfterStatus[]): void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  setProblems(document: PlaybookDocument, problems: Problem[]): void;
  setSaving(saving: boolean): void;
  /** The server stored `sent` as `playbook`. */
  markSaved(sent: PlaybookDocument, playbook: Playbook): void;
  setConflict(conflict: Conflict | null): void;
  setEnabled(enabled: boolean): void;
  notify(text: string, tone?: Notice["tone"]): void;
  dismissNotice(): void;
  setCatalogue(catalogue: CatalogueConnector[]): void;
  addManifest(manifest: Manifest): void;
}

let noticeCount = 0;

const EMPTY: PlaybookDocument = { format: FORMAT, name: "" };

type SetState = StoreApi<DesignerState>["setState"];
type GetState = StoreApi<DesignerState>["getState"];

// The canvas after the document or selection changed.
function canvas(
  document: PlaybookDocument,
  selection: ReadonlySet<string>,
  selectedEdges: ReadonlySet<string>,
  problemCounts: ReadonlyMap<string, number>,
  previous: readonly FlowNode[],
): Pick<DesignerState, "nodes" | "edges" | "lanes"> {
  const flow = toFlow(document);
  const nodes = decorateNodes(flow, selection, problemCounts, previous);
  const edges = flow.edges.map((edge) => ({ ...edge, selected: selectedEdges.has(edge.id) }));
  return { nodes, edges, lanes: lanesByContainer(nodes) };
}

function existing(ids: Iterable<string>, nodes: readonly { id: string }[]): Set<string> {
  const known = new Set(nodes.map((node) => node.id));
  return new Set([...ids].filter((id) => known.has(id)));
}

function withHistory(set: SetState, get: GetState, history: History, select?: readonly string[]): void {
  const state = get();
  const document = history.present;
  const flow = toFlow(document);
  const selection = existing(select ?? state.selection, flow.nodes);
  const selectedEdges = existing(state.selectedEdges, flow.edges);
  set({
    history,
    document,
    dirty: document !== state.saved,
    selection,
    selectedEdges,
    ...canvas(document, selection, selectedEdges, state.problemCounts, state.nodes),
  });
}

// Nodes without a layout entry are placed by default around the ones that have one, so a node
// dropped at a spot would push them elsewhere; their drawn places are written down first.
function pinned(document: PlaybookDocument, nodes: readonly FlowNode[]): PlaybookDocument {
  const positions: Record<string, XY> = {};
  for (const node of nodes) {
    const id = documentIdOf(node);
    if (id !== null && entryOf(document.layout, id) === undefined) positions[id] = { ...node.position };
  }
  return Object.keys(positions).length === 0 ? document : moveNodes(document, positions);
}

function movedText(document: PlaybookDocument, id: string, into: Placement): string {
  const index = indexDocument(document);
  const node = stepById(index, id);
  const name = node === undefined ? id : nodeLabel(node);
  const container = into.parent === undefined ? undefined : stepById(index, into.parent);
  if (container === undefined) return `Moved ${name} out to the canvas.`;
  return `Moved ${name} into ${nodeLabel(container)}, ${branchTitle(container, into.branch ?? "")}.`;
}

/** Document ids of the selected nodes. */
function selectedSteps(state: DesignerState): string[] {
  return state.nodes
    .filter((node) => state.selection.has(node.id))
    .map(documentIdOf)
    .filter((id): id is string => id !== null);
}

export function createDesignerStore(): StoreApi<DesignerState> {
  return createStore<DesignerState>()((set, get) => ({
    playbookId: null,
    history: startHistory(EMPTY),
    document: EMPTY,
    saved: EMPTY,
    dirty: false,
    version: 0,
    enabled: false,
    saving: false,
    conflict: null,
    selection: new Set(),
    selectedEdges: new Set(),
    nodes: [],
    edges: [],
    lanes: new Map(),
    problems: [],
    problemsOf: null,
    problemCounts: new Map(),
    notice: null,
    catalogue: null,
    manifests: {},

    load(playbook) {
      const problemCounts = countProblems(playbook.problems);
      set({
        playbookId: playbook.id,
        history: startHistory(playbook.document),
        document: playbook.document,
        saved: playbook.document,
        dirty: false,
        version: playbook.version,
        enabled: playbook.enabled,
        saving: false,
        conflict: null,
        selection: new Set(),
        selectedEdges: new Set(),
        problems: playbook.problems,
        problemsOf: playbook.document,
        problemCounts,
        ...canvas(playbook.document, new Set(), new Set(), problemCounts, []),
      });
    },

    apply(next, options = {}) {
      const history = record(get().history, next, options.mergeKey ?? null);
      if (history === get().history) {
        if (options.select !== undefined) get().select(options.select);
        return;
      }
      withHistory(set, get, history, options.select);
    },

    undo() {
      const history = undo(get().history);
      if (history !== get().history) withHistory(set, get, history);
    },

    redo() {
      const history = redo(get().history);
      if (history !== get().history) withHistory(set, get, history);
    },

    select(ids) {
      const state = get();
      const selection = existing(ids, state.nodes);
      set({
        selection,
        selectedEdges: new Set(),
        nodes: state.nodes.map((node) =>
          node.selected === selection.has(node.id) ? node : { ...node, selected: selection.has(node.id) },
        ),
        edges: state.edges.map((edge) => (edge.selected === true ? { ...edge, selected: false } : edge)),
      });
    },

    addNode(node, placement) {
      const added = addNode(pinned(get().document, get().nodes), node, placement);
      get().apply(added.document, { select: [added.id] });
      return added.id;
    },

    connect(source, target, branch) {
      const result = connect(get().document, source, target, branch);
      if (result.ok) get().apply(result.document);
      else get().notify(result.problem.reason, "error");
    },

    remove(nodeIds, edgeIds) {
      const document = removeEdges(removeNodes(get().document, nodeIds), edgeIds);
      get().apply(document);
    },

    copySelection() {
      const state = get();
      const fragment = copyFragment(pinned(state.document, state.nodes), selectedSteps(state));
      return fragment.nodes.length === 0 ? null : fragment;
    },

    paste(fragment) {
      const document = pinned(get().document, get().nodes);
      const pasted = pasteSubgraph(document, fragment, { offset: pasteOffset(get().nodes, fragment) });
      get().apply(pasted.document, { select: pasted.ids });
      return pasted.ids;
    },

    duplicateSelection() {
      const state = get();
      const document = pinned(state.document, state.nodes);
      const ids = selectedSteps(state);
      const fragment = copyFragment(document, ids);
      if (fragment.nodes.length === 0) return [];
      const duplicated = duplicateNodes(document, ids, pasteOffset(state.nodes, fragment));
      get().apply(duplicated.document, { select: duplicated.ids });
      return duplicated.ids;
    },

    setWhen(edgeId, statuses) {
      get().apply(setWhen(get().document, edgeId, statuses));
    },

    onNodesChange(changes) {
      const state = get();
      // Removal goes through `remove` (React Flow's onDelete), so it is one undoable edit.
      const kept = changes.filter((change) => change.type !== "remove" && change.type !== "add" && change.type !== "replace");
      if (kept.length === 0) return;
      const nodes = applyNodeChanges(kept, state.nodes);
      // The same set while a drag only moves nodes, so what reads the selection is left alone.
      const selected = nodes.filter((node) => node.selected === true).map((node) => node.id);
      const same = selected.length === state.selection.size && selected.every((id) => state.selection.has(id));
      const selection = same ? state.selection : new Set(selected);
      const moved: Record<string, XY> = {};
      for (const change of kept) {
        if (change.type !== "position" || change.dragging !== false) continue;
        const node = nodes.find((candidate) => candidate.id === change.id);
        const id = node === undefined ? null : documentIdOf(node);
        if (node !== undefined && id !== null) moved[id] = { x: node.position.x, y: node.position.y };
      }
      set({ nodes, selection });
      const ids = Object.keys(moved);
      const [only] = ids;
      // One step let go over another branch (or off its own) moves there: one undoable edit.
      const into = only !== undefined && ids.length === 1 ? dragPlacement(nodes, only) : null;
      if (only !== undefined && into !== null) {
        get().apply(moveToBranch(pinned(get().document, nodes), only, into), { select: [only] });
        get().notify(`${movedText(get().document, only, into)} Connect it to its new neighbours.`);
      } else if (ids.length > 0) {
        get().apply(moveNodes(get().document, moved));
      }
    },

    onEdgesChange(changes) {
      const kept = changes.filter((change) => change.type === "select");
      if (kept.length === 0) return;
      const edges = applyEdgeChanges(kept, get().edges);
      set({ edges, selectedEdges: new Set(edges.filter((edge) => edge.selected === true).map((edge) => edge.id)) });
    },

    setProblems(document, problems) {
      if (document !== get().document) return;
      const problemCounts = countProblems(problems);
      set({ problems, problemsOf: document, problemCounts, nodes: withProblemCounts(get().nodes, problemCounts) });
    },

    setSaving(saving) {
      set({ saving });
    },

    markSaved(sent, playbook) {
      const state = get();
      set({
        saved: sent,
        dirty: state.document !== sent,
        version: playbook.version,
        enabled: playbook.enabled,
        saving: false,
        conflict: null,
      });
    },

    setConflict(conflict) {
      set({ conflict, saving: false });
    },

    setEnabled(enabled) {
      set({ enabled });
    },

    notify(text, tone = "info") {
      noticeCount += 1;
      set({ notice: { id: noticeCount, tone, text } });
    },

    dismissNotice() {
      set({ notice: null });
    },

    setCatalogue(catalogue) {
      set({ catalogue });
    },

    addManifest(manifest) {
      set({ manifests: { ...get().manifests, [manifest.id]: manifest } });
    },
  }));
}

/** The designer's store: one designer is open at a time. */
export const designerStore = createDesignerStore();

export function useDesigner<T>(selector: (state: DesignerState) => T): T {
  return useStore(designerStore, selector);
}
