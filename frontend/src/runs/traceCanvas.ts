// The designer's canvas nodes and edges, dressed for a run: each node's status as a class and a
// data-status attribute, read-only, and the edges the run went along highlighted. Pure; nodes and
// edges whose look did not change keep their object, so React Flow redraws only what moved.

import { documentIdOf } from "../designer/canvasModel";
import type { FlowEdge, FlowNode } from "../graph/flow";
import { carriedEdge, nodeStatus } from "./trace";
import type { NodeStatus, StepTrace } from "./trace";

type DomAttributes = NonNullable<FlowNode["domAttributes"]>;

function statusClass(status: NodeStatus, open: boolean): string {
  return `run-node run-node--${status}${open ? " run-node--open" : ""}`;
}

/** What tracedNodes made last time, from which base nodes: reused where nothing changed. */
export interface TracedNodes {
  base: readonly FlowNode[];
  nodes: FlowNode[];
}

export const NO_TRACED_NODES: TracedNodes = { base: [], nodes: [] };

export function tracedNodes(
  base: readonly FlowNode[],
  steps: ReadonlyMap<string, StepTrace>,
  openNode: string | null,
  previous: TracedNodes,
): TracedNodes {
  const before = new Map(previous.base.map((node, position) => [node, previous.nodes[position] as FlowNode]));
  const nodes = base.map((node) => {
    const id = documentIdOf(node);
    if (id === null) return node;
    const status = nodeStatus(steps.get(id));
    const className = statusClass(status, id === openNode);
    const old = before.get(node);
    if (old !== undefined && old.className === className) return old;
    const domAttributes = { ...node.domAttributes, "data-status": status } as DomAttributes;
    return { ...node, className, domAttributes, selected: id === openNode, draggable: false, deletable: false };
  });
  return { base, nodes };
}

export function tracedEdges(
  base: readonly FlowEdge[],
  nodes: readonly FlowNode[],
  steps: ReadonlyMap<string, StepTrace>,
  previous: readonly FlowEdge[],
): FlowEdge[] {
  const documentIds = new Map(nodes.map((node) => [node.id, documentIdOf(node)]));
  const statusOf = (canvasId: string): NodeStatus => {
    const id = documentIds.get(canvasId);
    return id === null || id === undefined ? "not_reached" : nodeStatus(steps.get(id));
  };
  const before = new Map(previous.map((edge) => [edge.id, edge]));
  return base.map((edge) => {
    const when = edge.data?.when ?? ["succeeded"];
    const carried = carriedEdge(when, edge.data?.branch !== undefined, statusOf(edge.source), statusOf(edge.target));
    const className = carried ? "run-edge run-edge--carried" : "run-edge";
    const old = before.get(edge.id);
    if (old !== undefined && old.className === className) return old;
    return { ...edge, className, selectable: false, deletable: false };
  });
}
