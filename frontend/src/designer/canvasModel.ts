// What the canvas draws besides the document: selection, problem badges and the DOM attributes
// end-to-end tests and people rely on. Pure, so the store stays a thin shell around it.

import type { Node } from "@xyflow/react";
import type { Problem } from "./api";
import type { Flow, FlowNode } from "../graph/flow";

/** Problems per node id; problems of the whole document are not counted here. */
export function countProblems(problems: readonly Problem[]): ReadonlyMap<string, number> {
  const counts = new Map<string, number>();
  for (const problem of problems) {
    if (problem.nodeId !== null) counts.set(problem.nodeId, (counts.get(problem.nodeId) ?? 0) + 1);
  }
  return counts;
}

/** The document id of a canvas node (a lane has none of its own). */
export function documentIdOf(node: FlowNode): string | null {
  switch (node.type) {
    case "lane":
      return null;
    case "trigger":
      return node.data.trigger.id;
    default:
      return node.data.node.id;
  }
}

type DomAttributes = NonNullable<Node["domAttributes"]>;

function domAttributes(node: FlowNode, problems: number): DomAttributes {
  const attributes: Record<string, string> = { "data-kind": node.type };
  if (problems > 0) attributes["data-problems"] = String(problems);
  return attributes as DomAttributes;
}

/** Canvas nodes for a flow: selected as `selection` says, measured sizes kept from `previous` (so
 * React Flow does not measure every node again after each edit), tagged with kind and problems. */
export function decorateNodes(
  flow: Flow,
  selection: ReadonlySet<string>,
  problemCounts: ReadonlyMap<string, number>,
  previous: readonly FlowNode[],
): FlowNode[] {
  const before = new Map(previous.map((node) => [node.id, node]));
  return flow.nodes.map((node) => {
    const id = documentIdOf(node);
    const count = id === null ? 0 : (problemCounts.get(id) ?? 0);
    const measured = before.get(node.id)?.measured;
    return {
      ...node,
      selected: selection.has(node.id),
      domAttributes: domAttributes(node, count),
      // Every run starts at the trigger: it can be changed in the inspector, never deleted.
      ...(node.type === "trigger" ? { deletable: false } : {}),
      ...(measured === undefined ? {} : { measured }),
    };
  });
}

/** The same nodes with new problem counts; nodes whose count did not change keep their object. */
export function withProblemCounts(nodes: readonly FlowNode[], problemCounts: ReadonlyMap<string, number>): FlowNode[] {
  return nodes.map((node) => {
    const id = documentIdOf(node);
    const count = id === null ? 0 : (problemCounts.get(id) ?? 0);
    const shown = node.domAttributes?.["data-problems" as keyof DomAttributes];
    if ((shown === undefined && count === 0) || shown === String(count)) return node;
    return { ...node, domAttributes: domAttributes(node, count) };
  });
}

export interface LaneBox {
  branch: string;
  x: number;
  width: number;
}

/** The lanes of each container (by canvas id), left to right: where its branch handles go. */
export function lanesByContainer(nodes: readonly FlowNode[]): ReadonlyMap<string, LaneBox[]> {
  const lanes = new Map<string, LaneBox[]>();
  for (const node of nodes) {
    if (node.type !== "lane" || node.parentId === undefined) continue;
    const list = lanes.get(node.parentId) ?? [];
    list.push({ branch: node.data.branch, x: node.position.x, width: node.width ?? 0 });
    lanes.set(node.parentId, list);
  }
  return lanes;
}
