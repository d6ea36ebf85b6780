import { Background, Controls, MarkerType, MiniMap, ReactFlow, useConnection, useReactFlow } from "@xyflow/react";
import type { Connection, DefaultEdgeOptions, Edge as FlowEdgeBase, OnConnectEnd } from "@xyflow/react";
import { useCallback, useRef, useState } from "react";
import type { DragEvent, MouseEvent as ReactMouseEvent } from "react";
import { branchOfHandle, connectionChecker, connectionProblem } from "../graph/connections";
import type { FlowEdge, FlowNode } from "../graph/flow";
import type { XY } from "../graph/geometry";
import { documentIdOf } from "./canvasModel";
import { EdgeEditor } from "./EdgeEditor";
import type { EdgeEditorAt } from "./EdgeEditor";
import { nodeTypes } from "./nodes";
import { PALETTE_MIME, parsePaletteItem } from "./nodeEdits";
import type { PaletteItem } from "./nodeEdits";
import { designerStore, useDesigner } from "./store";

const isValidConnection = connectionChecker(() => designerStore.getState().document);

const DEFAULT_EDGE_OPTIONS: DefaultEdgeOptions = {
  type: "smoothstep",
  markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
};

// The canvas draws only the nodes in view (onlyRenderVisibleElements); React Flow fits the view to
// drawn nodes unless hidden ones are included, which also counts the undrawn ones at their sizes.
export const FIT_VIEW_OPTIONS = { maxZoom: 1, padding: 0.25, includeHiddenNodes: true };

const DELETE_KEYS = ["Backspace", "Delete"];

const MINIMAP_STYLE = { width: 160, height: 110 };

/** The edge editor's size, to keep it inside the canvas. */
const EDGE_EDITOR_SIZE = { width: 240, height: 170 };

/** The canvas id of the topmost step under a screen point (lanes do not take the pointer). */
function stepAt(x: number, y: number): string | undefined {
  for (const element of document.elementsFromPoint(x, y)) {
    const id = element.classList.contains("react-flow__node") ? element.getAttribute("data-id") : null;
    if (id !== null) return id;
  }
  return undefined;
}

function pointOf(event: MouseEvent | TouchEvent): { x: number; y: number } | null {
  if ("clientX" in event) return { x: event.clientX, y: event.clientY };
  const touch = event.changedTouches[0];
  return touch === undefined ? null : { x: touch.clientX, y: touch.clientY };
}

function docId(flowId: string): string | null {
  const node = designerStore.getState().nodes.find((candidate) => candidate.id === flowId);
  return node === undefined ? null : documentIdOf(node);
}

export function Canvas({ onDropItem }: { onDropItem: (item: PaletteItem, point: XY) => void }) {
  const nodes = useDesigner((state) => state.nodes);
  const edges = useDesigner((state) => state.edges);
  const onNodesChange = useDesigner((state) => state.onNodesChange);
  const onEdgesChange = useDesigner((state) => state.onEdgesChange);
  const { screenToFlowPosition } = useReactFlow<FlowNode, FlowEdge>();
  const area = useRef<HTMLDivElement>(null);
  const [edgeEditor, setEdgeEditor] = useState<EdgeEditorAt | null>(null);
  const closeEdgeEditor = useCallback(() => setEdgeEditor(null), []);

  const onEdgeClick = useCallback((event: ReactMouseEvent, edge: FlowEdge) => {
    const box = area.current?.getBoundingClientRect();
    if (box === undefined) return;
    const x = Math.min(event.clientX - box.left + 8, box.width - EDGE_EDITOR_SIZE.width - 8);
    const y = Math.min(event.clientY - box.top + 8, box.height - EDGE_EDITOR_SIZE.height - 8);
    setEdgeEditor({ edgeId: edge.id, x: Math.max(8, x), y: Math.max(8, y) });
  }, []);

  const onConnect = useCallback((connection: Connection) => {
    const source = docId(connection.source);
    const target = docId(connection.target);
    if (source !== null && target !== null) {
      designerStore.getState().connect(source, target, branchOfHandle(connection.sourceHandle));
    }
  }, []);

  // A drop that React Flow did not turn into a connection: refused by isValidConnection (say why),
  // or let go over a node's body rather than its handle (connect to that node).
  const onConnectEnd: OnConnectEnd = useCallback((event, state) => {
    if (state.isValid === true || state.fromNode === null) return;
    const point = pointOf(event);
    const otherId = state.toNode?.id ?? (point === null ? undefined : stepAt(point.x, point.y));
    if (otherId === undefined || otherId === state.fromNode.id) return;
    const fromIsSource = state.fromHandle.type === "source";
    const source = docId(fromIsSource ? state.fromNode.id : otherId);
    const target = docId(fromIsSource ? otherId : state.fromNode.id);
    if (source === null || target === null) return;
    const branch = fromIsSource ? branchOfHandle(state.fromHandle.id) : undefined;
    const store = designerStore.getState();
    const problem = connectionProblem(store.document, source, target, branch);
    if (problem !== null) store.notify(problem.reason, "error");
    else store.connect(source, target, branch);
  }, []);

  const onDelete = useCallback(({ nodes: gone, edges: cut }: { nodes: FlowNode[]; edges: FlowEdgeBase[] }) => {
    const ids = gone.map(documentIdOf).filter((id): id is string => id !== null);
    designerStore.getState().remove(
      ids,
      cut.map((edge) => edge.id),
    );
  }, []);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const item = parsePaletteItem(event.dataTransfer.getData(PALETTE_MIME));
      if (item === null) return;
      event.preventDefault();
      onDropItem(item, screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [onDropItem, screenToFlowPosition],
  );

  return (
    <div className="canvas" ref={area} onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onDelete={onDelete}
        onEdgeClick={onEdgeClick}
        onPaneClick={closeEdgeEditor}
        onNodeClick={closeEdgeEditor}
        isValidConnection={isValidConnection}
        defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
        deleteKeyCode={DELETE_KEYS}
        fitView
        fitViewOptions={FIT_VIEW_OPTIONS}
        onlyRenderVisibleElements
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} color="#cbd5e1" />
        <MiniMap pannable zoomable nodeStrokeWidth={2} nodeColor={miniMapColor} style={MINIMAP_STYLE} />
        <Controls fitViewOptions={FIT_VIEW_OPTIONS} />
        <ConnectionHint />
      </ReactFlow>
      {edgeEditor !== null && <EdgeEditor key={edgeEditor.edgeId} at={edgeEditor} onClose={closeEdgeEditor} />}
    </div>
  );
}

function miniMapColor(node: FlowNode): string {
  if (node.type === "trigger") return "#0ea5e9";
  if (node.type === "lane") return "#f1f5f9";
  if (node.type === "action") return "#64748b";
  return "#e2e8f0";
}

/** While an edge is drawn over a node it may not join, says why next to the pointer. */
function ConnectionHint() {
  const hint = useConnection((connection) => {
    if (!connection.inProgress || connection.isValid !== false || connection.toNode === null) return null;
    const fromIsSource = connection.fromHandle.type === "source";
    const source = fromIsSource ? connection.fromNode.id : connection.toNode.id;
    const target = fromIsSource ? connection.toNode.id : connection.fromNode.id;
    const branch = fromIsSource ? branchOfHandle(connection.fromHandle.id) : undefined;
    const sourceId = docId(source);
    const targetId = docId(target);
    if (sourceId === null || targetId === null) return null;
    const problem = connectionProblem(designerStore.getState().document, sourceId, targetId, branch);
    return problem === null ? null : { reason: problem.reason, x: connection.pointer.x, y: connection.pointer.y };
  });
  if (hint === null) return null;
  return (
    <div className="connection-hint" role="status" style={{ left: hint.x + 16, top: hint.y + 16 }}>
      {hint.reason}
    </div>
  );
}
