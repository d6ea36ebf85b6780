// Where a step from the palette goes: into the innermost lane under the drop point, or on the
// canvas; and, when added by click, the first free spot at or below the middle of the view.

import { FORMAT } from "../graph/document";
import type { Fragment, NewNode, Placement } from "../graph/edit";
import { laneId, toFlow } from "../graph/flow";
import type { FlowNode } from "../graph/flow";
import { GAP_X, GAP_Y, LANE_HEADER, LANE_PADDING, NODE_HEIGHT, NODE_WIDTH } from "../graph/geometry";
import type { Size, XY } from "../graph/geometry";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface LaneRect extends Rect {
  containerId: string;
  branch: string;
  depth: number;
}

// Absolute places: React Flow keeps children relative to their parent.
function absolute(nodes: readonly FlowNode[]): Map<string, { rect: Rect; depth: number }> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const out = new Map<string, { rect: Rect; depth: number }>();
  for (const node of nodes) {
    let x = 0;
    let y = 0;
    let depth = 0;
    for (let current: FlowNode | undefined = node; current !== undefined; depth += 1) {
      x += current.position.x;
      y += current.position.y;
      current = current.parentId === undefined ? undefined : byId.get(current.parentId);
    }
    out.set(node.id, { rect: { x, y, width: node.width ?? 0, height: node.height ?? 0 }, depth });
  }
  return out;
}

function contains(rect: Rect, point: XY): boolean {
  return point.x >= rect.x && point.x <= rect.x + rect.width && point.y >= rect.y && point.y <= rect.y + rect.height;
}

/** The size a new node is drawn at: a container with empty lanes is larger than a step. */
export function sizeOf(node: NewNode): Size {
  const drawn = toFlow({ format: FORMAT, name: "", nodes: [{ ...node, id: "new" }] }).nodes[0];
  return { width: drawn?.width ?? NODE_WIDTH, height: drawn?.height ?? NODE_HEIGHT };
}

/** The placement of a node of `size` dropped with its centre at `point` (flow coordinates). */
export function dropPlacement(nodes: readonly FlowNode[], point: XY, size: Size): Placement {
  const places = absolute(nodes);
  let lane: LaneRect | undefined;
  for (const node of nodes) {
    if (node.type !== "lane" || node.hidden === true) continue;
    const place = places.get(node.id);
    if (place === undefined || !contains(place.rect, point) || (lane !== undefined && lane.depth >= place.depth)) continue;
    lane = { ...place.rect, depth: place.depth, containerId: node.data.containerId, branch: node.data.branch };
  }
  const topLeft = { x: Math.round(point.x - size.width / 2), y: Math.round(point.y - size.height / 2) };
  if (lane === undefined) return { position: topLeft };
  return {
    parent: lane.containerId,
    branch: lane.branch,
    position: {
      x: Math.max(LANE_PADDING, topLeft.x - lane.x),
      y: Math.max(LANE_HEADER + 8, topLeft.y - lane.y),
    },
  };
}

/** Where a step dragged on the canvas now belongs, when its centre left its branch: the
 * innermost other lane under it (never one of its own), or the top level; null when it stayed. */
export function dragPlacement(nodes: readonly FlowNode[], id: string): Placement | null {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const node = byId.get(id);
  const place = absolute(nodes).get(id);
  if (node === undefined || place === undefined || node.type === "lane" || node.type === "trigger") return null;
  const own = (candidate: FlowNode): boolean => {
    for (let current: FlowNode | undefined = candidate; current !== undefined; ) {
      if (current.id === id) return true;
      current = current.parentId === undefined ? undefined : byId.get(current.parentId);
    }
    return false;
  };
  const { rect } = place;
  const centre = { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
  const target = dropPlacement(
    nodes.filter((candidate) => !own(candidate)),
    centre,
    { width: rect.width, height: rect.height },
  );
  const lane = node.parentId === undefined ? undefined : byId.get(node.parentId);
  const current = lane?.type === "lane" ? lane.data : undefined;
  const same = target.parent === current?.containerId && target.branch === current?.branch;
  return same ? null : target;
}

/** The top-level placement of a node added without a drop point: below everything at the top
 * level (it reads as the next step), centred on `x`; at `point` on an empty canvas. */
export function freePlacement(nodes: readonly FlowNode[], point: XY, size: Size): Placement {
  const places = absolute(nodes);
  let bottom: number | null = null;
  for (const node of nodes) {
    const rect = node.parentId === undefined ? places.get(node.id)?.rect : undefined;
    if (rect !== undefined) bottom = Math.max(bottom ?? rect.y + rect.height, rect.y + rect.height);
  }
  return {
    position: {
      x: Math.round(point.x - size.width / 2),
      y: bottom === null ? Math.round(point.y - size.height / 2) : bottom + GAP_Y,
    },
  };
}

function overlaps(left: Rect, right: Rect): boolean {
  return (
    left.x < right.x + right.width &&
    right.x < left.x + left.width &&
    left.y < right.y + right.height &&
    right.y < left.y + left.height
  );
}

/** How many places to the right paste tries before it gives up looking for a free one. */
const PASTE_TRIES = 50;

/** How far from where they were copied pasted steps go: where they were if that spot is free
 * (pasted into another playbook, or after a delete), else beside them, one group width further
 * right each time, until they cover none of the steps around. */
export function pasteOffset(nodes: readonly FlowNode[], fragment: Fragment): XY {
  const copied = new Set(fragment.nodes.map((node) => node.id));
  const roots = fragment.nodes.filter((node) => node.parent === undefined || !copied.has(node.parent));
  // The copied steps drawn on their own give their sizes, wherever they come from.
  const drawn = toFlow({ format: FORMAT, name: "", ...fragment }).nodes;
  const rects = roots.flatMap((root) => {
    const node = drawn.find((candidate) => candidate.id === root.id);
    return node === undefined ? [] : [{ ...node.position, width: node.width ?? 0, height: node.height ?? 0 }];
  });
  const first = roots[0];
  if (first === undefined || rects.length === 0) return { x: 0, y: 0 };
  const x = Math.min(...rects.map((rect) => rect.x));
  const y = Math.min(...rects.map((rect) => rect.y));
  const bounds = {
    x,
    y,
    width: Math.max(...rects.map((rect) => rect.x + rect.width)) - x,
    height: Math.max(...rects.map((rect) => rect.y + rect.height)) - y,
  };
  // Pasted roots go back into the branch they came from when it is on this canvas.
  const lane = first.parent === undefined || first.branch === undefined ? undefined : laneId(first.parent, first.branch);
  const frame = nodes.some((node) => node.id === lane) ? lane : undefined;
  const around = nodes
    .filter((node) => node.parentId === frame && node.hidden !== true)
    .map((node) => ({ ...node.position, width: node.width ?? 0, height: node.height ?? 0 }));
  const step = bounds.width + GAP_X;
  for (let tries = 0; tries < PASTE_TRIES; tries += 1) {
    const offset = { x: tries * step, y: 0 };
    const moved = { ...bounds, x: bounds.x + offset.x };
    if (!around.some((rect) => overlaps(rect, moved))) return offset;
  }
  return { x: PASTE_TRIES * step, y: 0 };
}
