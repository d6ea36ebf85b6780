// The document as React Flow nodes and edges, and back. A container is drawn as a group node with
// one lane node per branch; steps in a branch are children of that lane. Layout positions are
// stored exactly as React Flow wants them: relative to the lane (or absolute at the top level), so
// a drag changes one number pair and a growing sibling lane never moves anything stored.

import type { Edge as FlowEdgeBase, Node } from "@xyflow/react";
import { branchHandleId, branchOfHandle } from "./connections";
import {
  DEFAULT_WHEN,
  branchesOf,
  edgeKey,
  edgeKeys,
  edgesOf,
  entryOf,
  isContainer,
  nodesOf,
  setEntry,
  withPlacement,
} from "./document";
import type { Box, Edge, NodeKind, PlaybookDocument, PlaybookNode, RunAfterStatus, TriggerSpec } from "./document";
import { TOP_ORIGIN, placeScope } from "./geometry";
import type { LayoutItem, Placed } from "./geometry";
import { indexDocument, stepById } from "./graph";
import type { DocumentIndex } from "./graph";

export type TriggerNodeData = { trigger: TriggerSpec };
export type StepNodeData = {
  node: PlaybookNode;
  /** The node names a parent it cannot be drawn in (missing, not a container, no such branch, or
   * a parent loop), so it is drawn at the top level; fromFlow keeps its parent as written. */
  orphan: boolean;
  /** Containers only: drawn as a closed box, content hidden. */
  collapsed: boolean;
};
export type LaneNodeData = { containerId: string; branch: string };
export type RunAfterEdgeData = {
  /** The statuses that let the target run; always present (["succeeded"] when the document
   * leaves `when` out). */
  when: RunAfterStatus[];
  /** Set on a start edge: the branch of the source container it starts. */
  branch?: string;
};

export type TriggerFlowNode = Node<TriggerNodeData, "trigger">;
export type StepFlowNode = Node<StepNodeData, NodeKind>;
export type LaneFlowNode = Node<LaneNodeData, "lane">;
export type FlowNode = TriggerFlowNode | StepFlowNode | LaneFlowNode;
export type FlowEdge = FlowEdgeBase<RunAfterEdgeData>;

export interface Flow {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export function laneId(containerId: string, branch: string): string {
  return `${containerId}::${branch}`;
}

const STATUS_WORDS: Readonly<Record<RunAfterStatus, string>> = {
  succeeded: "succeeded",
  failed: "failed",
  skipped: "skipped",
  timed_out: "timed out",
};

/** The label an edge shows: nothing for the default (succeeded only), else its statuses. */
export function whenLabel(when: readonly RunAfterStatus[]): string | undefined {
  if (sameStatuses(when, DEFAULT_WHEN)) return undefined;
  return when.map((status) => STATUS_WORDS[status]).join(", ");
}

function sameStatuses(left: readonly RunAfterStatus[], right: readonly RunAfterStatus[]): boolean {
  return left.length === right.length && left.every((status, position) => status === right[position]);
}

// ---- document -> flow ------------------------------------------------------------------------

interface SceneItem extends LayoutItem {
  readonly flowId: string;
  readonly source: { trigger: TriggerSpec } | { node: PlaybookNode; orphan: boolean };
  readonly lanes: readonly SceneLane[] | null;
}

interface SceneLane {
  readonly branch: string;
  readonly items: readonly SceneItem[];
}

export function toFlow(document: PlaybookDocument): Flow {
  const index = indexDocument(document);
  const top = scene(document, index);
  const placed = new Map<LayoutItem, Placed>();
  placeScope(top, TOP_ORIGIN, (id) => index.outgoing.get(id) ?? [], placed);
  const nodes: FlowNode[] = [];
  // Parents before children: React Flow requires it for sub flows.
  const emit = (item: SceneItem, parentId: string | undefined, hidden: boolean): void => {
    const where = placed.get(item) as Placed;
    const common = {
      id: item.flowId,
      position: where.position,
      width: where.size.width,
      height: where.size.height,
      // Not held inside its lane: a step dragged out of it moves to where it is dropped.
      ...(parentId === undefined ? {} : { parentId }),
      ...(hidden ? { hidden: true } : {}),
    };
    if ("trigger" in item.source) {
      nodes.push({ ...common, type: "trigger", data: { trigger: item.source.trigger } });
      return;
    }
    const collapsed = item.box?.collapsed === true && item.lanes !== null;
    const { node, orphan } = item.source;
    nodes.push({ ...common, type: node.kind, data: { node, orphan, collapsed } });
    where.lanes.forEach((lane, position) => {
      const id = laneId(item.flowId, lane.branch);
      nodes.push({
        id,
        type: "lane",
        parentId: item.flowId,
        extent: "parent",
        position: lane.position,
        width: lane.size.width,
        height: lane.size.height,
        data: { containerId: node.id, branch: lane.branch },
        draggable: false,
        selectable: false,
        deletable: false,
        connectable: false,
        ...(hidden || collapsed ? { hidden: true } : {}),
      });
      for (const child of item.lanes?.[position]?.items ?? []) emit(child, id, hidden || collapsed);
    });
  };
  for (const item of top) emit(item, undefined, false);
  return { nodes, edges: flowEdges(document, index) };
}

// Which node is drawn where. A node goes in its parent's lane when that parent is the container
// holding its id, has the branch, and no parent loop runs through the node; else it is an orphan.
function scene(document: PlaybookDocument, index: DocumentIndex): SceneItem[] {
  const layout = document.layout ?? {};
  const used = new Set<string>();
  // Two nodes with one id (an invalid draft) still need distinct canvas ids.
  const flowIdOf = (id: string): string => {
    let flowId = id;
    for (let count = 2; used.has(flowId); count += 1) flowId = `${id}#${count}`;
    used.add(flowId);
    return flowId;
  };
  const inside = new Map<PlaybookNode, boolean>();
  for (const node of nodesOf(document)) inside.set(node, drawnInParent(index, node));
  const build = (node: PlaybookNode, orphan: boolean): SceneItem => {
    const flowId = flowIdOf(node.id);
    // Only the container that owns its id holds children; a duplicate gets empty lanes.
    const owner = index.byId.get(node.id) === node;
    const children = owner ? (index.children.get(node.id) ?? []).filter((child) => inside.get(child) === true) : [];
    const lanes = isContainer(node)
      ? branchesOf(node).map((branch) => ({
          branch,
          items: children.filter((child) => child.branch === branch).map((child) => build(child, false)),
        }))
      : null;
    return { id: node.id, flowId, box: entryOf(layout, node.id), source: { node, orphan }, lanes };
  };
  const top: SceneItem[] = [];
  const trigger = document.trigger;
  if (trigger !== undefined) {
    top.push({
      id: trigger.id,
      flowId: flowIdOf(trigger.id),
      box: entryOf(layout, trigger.id),
      source: { trigger },
      lanes: null,
    });
  }
  for (const node of nodesOf(document)) {
    if (inside.get(node) === true) continue;
    top.push(build(node, node.parent !== undefined));
  }
  return top;
}

function drawnInParent(index: DocumentIndex, node: PlaybookNode): boolean {
  if (node.parent === undefined || node.branch === undefined) return false;
  const parent = stepById(index, node.parent);
  if (parent === undefined || !isContainer(parent) || !branchesOf(parent).includes(node.branch)) return false;
  return !inParentLoop(index, node);
}

function inParentLoop(index: DocumentIndex, node: PlaybookNode): boolean {
  const seen = new Set<string>();
  let parentId = node.parent;
  while (parentId !== undefined && !seen.has(parentId)) {
    if (parentId === node.id) return true;
    seen.add(parentId);
    parentId = stepById(index, parentId)?.parent;
  }
  return false;
}

function flowEdges(document: PlaybookDocument, index: DocumentIndex): FlowEdge[] {
  const edges = edgesOf(document);
  const keys = edgeKeys(edges);
  const flow: FlowEdge[] = [];
  edges.forEach((edge, position) => {
    // An edge to a node that does not exist cannot be drawn; fromFlow carries it over unchanged.
    if (!index.order.has(edge.source) || !index.order.has(edge.target)) return;
    const when = [...(edge.when ?? DEFAULT_WHEN)];
    const label = whenLabel(when);
    flow.push({
      id: keys[position] as string,
      source: edge.source,
      target: edge.target,
      ...(edge.branch === undefined ? {} : { sourceHandle: branchHandleId(edge.branch) }),
      ...(label === undefined ? {} : { label }),
      data: edge.branch === undefined ? { when } : { when, branch: edge.branch },
    });
  });
  return flow;
}

// ---- flow -> document ------------------------------------------------------------------------

/** The document the flow shows. Semantics come from the flow (node data, lane membership, edges),
 * the rest (name, variables...) from `previous`; the order of nodes and edges follows `previous`,
 * with new ones appended, so a save shows a small diff. Layout is read from positions. */
export function fromFlow(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
  previous: PlaybookDocument,
): PlaybookDocument {
  const lanes = new Map<string, LaneNodeData>();
  const docIdOf = new Map<string, string>();
  let trigger: TriggerFlowNode | undefined;
  const steps: StepFlowNode[] = [];
  for (const node of nodes) {
    if (node.type === "lane") lanes.set(node.id, node.data);
    else if (node.type === "trigger") {
      trigger = node;
      docIdOf.set(node.id, node.data.trigger.id);
    } else {
      steps.push(node);
      docIdOf.set(node.id, node.data.node.id);
    }
  }
  const placedSteps = steps.map((step) => ({ flow: step, node: placeNode(step, lanes) }));
  const ordered = inPreviousOrder(
    placedSteps,
    nodesOf(previous),
    (entry) => entry.node.id,
    (node) => node.id,
  );
  const docEdges = edges.map((edge) => toDocEdge(edge, docIdOf));
  const known = new Set([...(previous.trigger ? [previous.trigger.id] : []), ...nodesOf(previous).map((n) => n.id)]);
  // Edges the flow never showed (an end that is no node of `previous`) stay as they were.
  const undrawable = edgesOf(previous).filter((edge) => !known.has(edge.source) || !known.has(edge.target));
  const allEdges = [...docEdges, ...undrawable];
  const orderedEdges = inPreviousOrder(allEdges, edgesOf(previous), edgeKey, edgeKey);
  const previousByKey = new Map<string, Edge>();
  for (const edge of edgesOf(previous)) if (!previousByKey.has(edgeKey(edge))) previousByKey.set(edgeKey(edge), edge);
  const withWhen = orderedEdges.map((edge) => keepImplicitWhen(edge, previousByKey.get(edgeKey(edge))));
  const { nodes: _nodes, edges: _edges, layout: _layout, trigger: _trigger, ...rest } = previous;
  const result: PlaybookDocument = { ...rest };
  if (trigger !== undefined) result.trigger = trigger.data.trigger;
  const docNodes = ordered.map((entry) => entry.node);
  if (docNodes.length > 0 || previous.nodes !== undefined) result.nodes = docNodes;
  if (withWhen.length > 0 || previous.edges !== undefined) result.edges = withWhen;
  const layout = layoutOf(
    trigger,
    ordered.map((entry) => entry.flow),
    previous,
  );
  if (Object.keys(layout).length > 0 || previous.layout !== undefined) result.layout = layout;
  return result;
}

// A step's parent and branch come from the lane holding it on the canvas, so dragging a node into
// another lane moves it there; an orphan keeps the parent it names (it was never in a lane).
function placeNode(step: StepFlowNode, lanes: ReadonlyMap<string, LaneNodeData>): PlaybookNode {
  const node = step.data.node;
  const lane = step.parentId === undefined ? undefined : lanes.get(step.parentId);
  if (lane !== undefined) return withPlacement(node, { parent: lane.containerId, branch: lane.branch });
  if (step.data.orphan) return node;
  return withPlacement(node, undefined);
}

function toDocEdge(edge: FlowEdge, docIdOf: ReadonlyMap<string, string>): Edge {
  const branch = edge.data?.branch ?? branchOfHandle(edge.sourceHandle);
  const result: Edge = {
    source: docIdOf.get(edge.source) ?? edge.source,
    target: docIdOf.get(edge.target) ?? edge.target,
  };
  if (branch !== undefined) result.branch = branch;
  if (edge.data?.when !== undefined) result.when = [...edge.data.when];
  return result;
}

// The flow always carries statuses; a document that left them out (meaning succeeded) keeps
// leaving them out, so a round trip changes nothing.
function keepImplicitWhen(edge: Edge, before: Edge | undefined): Edge {
  if (edge.when === undefined || !sameStatuses(edge.when, DEFAULT_WHEN) || before?.when !== undefined) return edge;
  const { when: _when, ...implicit } = edge;
  return implicit;
}

/** `items` sorted by where their key first appears in `before` (repeated keys matched in turn),
 * items whose key is not there last, in their own order. */
function inPreviousOrder<T, P>(
  items: readonly T[],
  before: readonly P[],
  keyOf: (item: T) => string,
  previousKeyOf: (item: P) => string,
): T[] {
  const slots = new Map<string, number[]>();
  before.forEach((item, position) => {
    const key = previousKeyOf(item);
    const list = slots.get(key);
    if (list === undefined) slots.set(key, [position]);
    else list.push(position);
  });
  const ranked = items.map((item, position) => {
    const slot = slots.get(keyOf(item))?.shift();
    return { item, rank: slot ?? before.length + position };
  });
  return ranked.sort((left, right) => left.rank - right.rank).map((entry) => entry.item);
}

function layoutOf(
  trigger: TriggerFlowNode | undefined,
  steps: readonly StepFlowNode[],
  previous: PlaybookDocument,
): Record<string, Box> {
  const before = previous.layout ?? {};
  // What toFlow drew for `previous`: a size that differs from it is a resize by the user.
  const drawn = new Map(toFlow(previous).nodes.map((node) => [node.id, node]));
  const layout: Record<string, Box> = {};
  const record = (flowNode: FlowNode, id: string, collapsed: boolean | undefined): void => {
    if (Object.hasOwn(layout, id)) return;
    const old = entryOf(before, id);
    const box: Box = { ...old, x: flowNode.position.x, y: flowNode.position.y };
    // A node new to `previous` has no size of its own yet: it is drawn at the default size.
    const was = drawn.get(flowNode.id);
    const resized = was !== undefined && (was.width !== flowNode.width || was.height !== flowNode.height);
    if (resized && flowNode.width !== undefined && flowNode.height !== undefined && collapsed !== true) {
      box.w = flowNode.width;
      box.h = flowNode.height;
    }
    if (collapsed === true) box.collapsed = true;
    else if (collapsed === false && box.collapsed !== undefined) box.collapsed = false;
    setEntry(layout, id, box);
  };
  if (trigger !== undefined) record(trigger, trigger.data.trigger.id, undefined);
  for (const step of steps)
    record(step, step.data.node.id, isContainer(step.data.node) ? step.data.collapsed : undefined);
  return layout;
}
