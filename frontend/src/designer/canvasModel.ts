// What the canvas draws besides the document: selection, problem badges and the DOM attributes
// end-to-end tests and people rely on. Pure, so the store stays a thin shell around it.

import { Position } from "@xyflow/react";
import type { Node, NodeHandle } from "@xyflow/react";
import type { Problem } from "./api";
import { branchHandleId } from "../graph/connections";
import type { Flow, FlowNode } from "../graph/flow";
import { CONTAINER_HEADER, LANE_HEADER } from "../graph/geometry";

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

// Where nodes.tsx and styles.css put the handles, relative to the node's top left corner: a
// 10 px square inside the node's 1 px border, half outside the top or bottom edge; a branch's
// handle sits under its lane's title. Measured in Chromium; React Flow measures them again for
// the nodes it draws and gets the same numbers.
const HANDLE_SIZE = 10;
const BORDER = 1;
const TOP_HANDLE_Y = BORDER - HANDLE_SIZE / 2;
/** A branch handle's `top` inside its container: in the lane's label strip, which leaves the
 * pointer to the container (a bottom handle's transform moves it down by half its height). */
export const BRANCH_HANDLE_TOP = CONTAINER_HEADER + LANE_HEADER - 16;
const BRANCH_HANDLE_Y = BORDER + BRANCH_HANDLE_TOP + HANDLE_SIZE / 2;

function handle(type: "source" | "target", position: Position, x: number, y: number, id: string | null = null): NodeHandle {
  return { id, type, position, x, y, width: HANDLE_SIZE, height: HANDLE_SIZE };
}

/** The handles of a node, given with it so React Flow can draw edges to nodes it has not drawn:
 * without them it draws every node once just to find its handles, which takes most of a second
 * with a thousand nodes. */
function handlesOf(node: FlowNode, lanes: ReadonlyMap<string, LaneBox[]>): NodeHandle[] {
  if (node.type === "lane") return [];
  const width = node.width ?? 0;
  const height = node.height ?? 0;
  const x = width / 2 - HANDLE_SIZE / 2;
  const source = handle("source", Position.Bottom, x, height - BORDER - HANDLE_SIZE / 2);
  if (node.type === "trigger") return [source];
  const target = handle("target", Position.Top, x, TOP_HANDLE_Y);
  if (node.type === "action" || node.data.collapsed) return [target, source];
  const branches = (lanes.get(node.id) ?? []).map((lane) =>
    handle(
      "source",
      Position.Bottom,
      BORDER + lane.x + lane.width / 2 - HANDLE_SIZE / 2,
      BRANCH_HANDLE_Y,
      branchHandleId(lane.branch),
    ),
  );
  return [target, ...branches, source];
}

/** Canvas nodes for a flow: selected as `selection` says, measured sizes kept from `previous` (so
 * React Flow does not measure every node again after each edit), tagged with kind and problems,
 * with their handles. */
export function decorateNodes(
  flow: Flow,
  selection: ReadonlySet<string>,
  problemCounts: ReadonlyMap<string, number>,
  previous: readonly FlowNode[],
): FlowNode[] {
  const before = new Map(previous.map((node) => [node.id, node]));
  const lanes = lanesByContainer(flow.nodes);
  return flow.nodes.map((node) => {
    const id = documentIdOf(node);
    const count = id === null ? 0 : (problemCounts.get(id) ?? 0);
    const measured = before.get(node.id)?.measured;
    return {
      ...node,
      selected: selection.has(node.id),
      domAttributes: domAttributes(node, count),
      handles: handlesOf(node, lanes),
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
