// The playbook version that ran, drawn read-only with the designer's layout and components, each
// node in its step's status. Clicking a node opens its details.

import { Background, Controls, MarkerType, MiniMap, ReactFlow } from "@xyflow/react";
import type { DefaultEdgeOptions, NodeChange } from "@xyflow/react";
import { useCallback, useMemo, useRef } from "react";
import type { MouseEvent as ReactMouseEvent } from "react";
import { FIT_VIEW_OPTIONS } from "../designer/Canvas";
import { documentIdOf } from "../designer/canvasModel";
import { designerStore, useDesigner } from "../designer/store";
import type { FlowEdge, FlowNode } from "../graph/flow";
import { NO_TRACED_NODES, tracedEdges, tracedNodes } from "./traceCanvas";
import type { TracedNodes } from "./traceCanvas";
import { traceNodeTypes } from "./traceNodes";
import { traceStore, useTrace } from "./traceStore";

const EDGE_OPTIONS: DefaultEdgeOptions = {
  type: "smoothstep",
  markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
};
const MINIMAP_STYLE = { width: 160, height: 110 };

const MINIMAP_COLOURS: Readonly<Record<string, string>> = {
  succeeded: "#16a34a",
  failed: "#dc2626",
  timed_out: "#ea580c",
  running: "#2563eb",
  waiting: "#9333ea",
  cancelled: "#64748b",
};

function miniMapColour(node: FlowNode): string {
  if (node.type === "lane") return "#f1f5f9";
  const status = node.domAttributes?.["data-status" as keyof typeof node.domAttributes];
  return MINIMAP_COLOURS[String(status)] ?? "#e2e8f0";
}

/** Only measurements reach the designer's store: the run view moves and selects nothing there. */
function onNodesChange(changes: NodeChange<FlowNode>[]): void {
  const measured = changes.filter((change) => change.type === "dimensions");
  if (measured.length > 0) designerStore.getState().onNodesChange(measured);
}

export function RunCanvas() {
  const baseNodes = useDesigner((state) => state.nodes);
  const baseEdges = useDesigner((state) => state.edges);
  const steps = useTrace((state) => state.steps);
  const openNode = useTrace((state) => state.openNode);
  const lastNodes = useRef<TracedNodes>(NO_TRACED_NODES);
  const lastEdges = useRef<FlowEdge[]>([]);

  const nodes = useMemo(() => {
    lastNodes.current = tracedNodes(baseNodes, steps, openNode, lastNodes.current);
    return lastNodes.current.nodes;
  }, [baseNodes, steps, openNode]);
  const edges = useMemo(() => {
    lastEdges.current = tracedEdges(baseEdges, baseNodes, steps, lastEdges.current);
    return lastEdges.current;
  }, [baseEdges, baseNodes, steps]);

  const onNodeClick = useCallback((_event: ReactMouseEvent, node: FlowNode) => {
    const id = documentIdOf(node);
    if (id !== null) traceStore.getState().openDetails(id);
  }, []);
  const onPaneClick = useCallback(() => traceStore.getState().openDetails(null), []);

  return (
    <div className="canvas canvas--run">
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={traceNodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={onNodeClick}
        onPaneClick={onPaneClick}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        deleteKeyCode={null}
        defaultEdgeOptions={EDGE_OPTIONS}
        fitView
        fitViewOptions={FIT_VIEW_OPTIONS}
        onlyRenderVisibleElements
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} size={1} color="#cbd5e1" />
        <MiniMap pannable zoomable nodeStrokeWidth={2} nodeColor={miniMapColour} style={MINIMAP_STYLE} />
        <Controls fitViewOptions={FIT_VIEW_OPTIONS} showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
