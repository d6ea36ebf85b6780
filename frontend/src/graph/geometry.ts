// Where things sit on the canvas before the user (or auto-layout) has said: sizes of boxes,
// containers that grow around their lanes, and default places for nodes without a layout entry.
// Pure arithmetic, so the canvas and its tests agree without a browser measuring anything.

import type { Box } from "./document";

export interface XY {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 72;
/** A container's title bar, above its lanes. */
export const CONTAINER_HEADER = 48;
export const CONTAINER_PADDING = 16;
/** A lane's label ("True", "Body", a switch case), above its steps. */
export const LANE_HEADER = 32;
export const LANE_PADDING = 24;
export const LANE_GAP = 16;
export const LANE_MIN_WIDTH = NODE_WIDTH + 2 * LANE_PADDING;
// Room for one step, so an empty branch is a visible drop target.
export const LANE_MIN_HEIGHT = LANE_HEADER + NODE_HEIGHT + 2 * LANE_PADDING;
export const COLLAPSED_SIZE: Size = { width: NODE_WIDTH, height: CONTAINER_HEADER + CONTAINER_PADDING };
/** Space between nodes that are placed by default. */
export const GAP_X = 48;
export const GAP_Y = 64;
/** Where default placement starts inside a lane, and at the top level. */
export const LANE_ORIGIN: XY = { x: LANE_PADDING, y: LANE_HEADER + LANE_PADDING };
export const TOP_ORIGIN: XY = { x: 0, y: 0 };

/** A node to place: a leaf (lanes null) or a container with one lane per branch. */
export interface LayoutItem {
  readonly id: string;
  readonly box: Box | undefined;
  readonly lanes: readonly LayoutLane[] | null;
}

export interface LayoutLane {
  readonly branch: string;
  readonly items: readonly LayoutItem[];
}

export interface PlacedLane {
  branch: string;
  position: XY;
  size: Size;
}

export interface Placed {
  /** Relative to the lane (or canvas) that holds the item. */
  position: XY;
  size: Size;
  lanes: PlacedLane[];
}

/** Successor ids along run-after edges, to rank default-placed siblings top to bottom. */
export type Successors = (id: string) => readonly string[];

/** Places the items of one scope (and everything inside them) into `out`; returns how far the
 * scope's content reaches right and down, which is what its lane must hold. */
export function placeScope(
  items: readonly LayoutItem[],
  origin: XY,
  successors: Successors,
  out: Map<LayoutItem, Placed>,
): XY {
  const sizes = new Map<LayoutItem, Size>();
  for (const item of items) sizes.set(item, placeInside(item, successors, out));
  const sizeOf = (item: LayoutItem): Size => sizes.get(item) as Size;
  let right = 0;
  let bottom = 0;
  const unplaced: LayoutItem[] = [];
  for (const item of items) {
    if (item.box === undefined) {
      unplaced.push(item);
      continue;
    }
    const size = sizeOf(item);
    out.set(item, { position: { x: item.box.x, y: item.box.y }, size, lanes: out.get(item)?.lanes ?? [] });
    right = Math.max(right, item.box.x + size.width);
    bottom = Math.max(bottom, item.box.y + size.height);
  }
  if (unplaced.length === 0) return { x: right, y: bottom };
  // Nodes without a place go in rows to the right of whatever the user has placed, so they never
  // cover it and still read from the top.
  const startX = right > 0 ? right + GAP_X : origin.x;
  let y = origin.y;
  for (const row of rows(unplaced, successors)) {
    let x = startX;
    let rowHeight = 0;
    for (const item of row) {
      const size = sizeOf(item);
      out.set(item, { position: { x, y }, size, lanes: out.get(item)?.lanes ?? [] });
      x += size.width + GAP_X;
      rowHeight = Math.max(rowHeight, size.height);
    }
    right = Math.max(right, x - GAP_X);
    y += rowHeight + GAP_Y;
  }
  return { x: right, y: Math.max(bottom, y - GAP_Y) };
}

// Sizes an item, placing a container's content first since the container grows around it.
function placeInside(item: LayoutItem, successors: Successors, out: Map<LayoutItem, Placed>): Size {
  if (item.lanes === null) {
    return { width: item.box?.w ?? NODE_WIDTH, height: item.box?.h ?? NODE_HEIGHT };
  }
  const contents = item.lanes.map((lane) => placeScope(lane.items, LANE_ORIGIN, successors, out));
  const { size, lanes } = containerGeometry(item.box, item.lanes, contents);
  out.set(item, { position: { x: 0, y: 0 }, size, lanes });
  return item.box?.collapsed === true ? COLLAPSED_SIZE : size;
}

/** A container's size and its lanes' places: lanes side by side under the title bar, each wide
 * enough for its content, all as tall as the tallest; a container the user made larger than that
 * shares the extra room among its lanes. */
export function containerGeometry(
  box: Box | undefined,
  lanes: readonly { branch: string }[],
  contents: readonly XY[],
): { size: Size; lanes: PlacedLane[] } {
  const widths = contents.map((content) => Math.max(LANE_MIN_WIDTH, content.x + LANE_PADDING));
  const laneHeight = Math.max(LANE_MIN_HEIGHT, ...contents.map((content) => content.y + LANE_PADDING));
  const inner = widths.reduce((sum, width) => sum + width, 0) + LANE_GAP * Math.max(0, widths.length - 1);
  const width = Math.max(box?.w ?? 0, inner + 2 * CONTAINER_PADDING);
  const height = Math.max(box?.h ?? 0, CONTAINER_HEADER + laneHeight + CONTAINER_PADDING);
  const extra = widths.length > 0 ? (width - inner - 2 * CONTAINER_PADDING) / widths.length : 0;
  const placed: PlacedLane[] = [];
  let x = CONTAINER_PADDING;
  lanes.forEach((lane, position) => {
    const laneWidth = (widths[position] ?? LANE_MIN_WIDTH) + extra;
    placed.push({
      branch: lane.branch,
      position: { x, y: CONTAINER_HEADER },
      size: { width: laneWidth, height: height - CONTAINER_HEADER - CONTAINER_PADDING },
    });
    x += laneWidth + LANE_GAP;
  });
  return { size: { width, height }, lanes: placed };
}

/** Items grouped by rank: an item's rank is one more than the highest rank among the items it runs
 * after (longest path), so a chain reads top to bottom and parallel steps sit side by side. */
export function rows(items: readonly LayoutItem[], successors: Successors): LayoutItem[][] {
  const byId = new Map<string, LayoutItem>();
  for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item);
  const indegree = new Map<string, number>();
  for (const id of byId.keys()) indegree.set(id, 0);
  const next = (id: string) => successors(id).filter((target) => byId.has(target));
  for (const id of byId.keys()) for (const target of next(id)) indegree.set(target, (indegree.get(target) ?? 0) + 1);
  const rank = new Map<string, number>();
  const ready = [...byId.keys()].filter((id) => indegree.get(id) === 0);
  for (const id of ready) rank.set(id, 0);
  // Kahn's algorithm; `ready` grows while it is read.
  for (let position = 0; position < ready.length; position += 1) {
    const id = ready[position] as string;
    for (const target of next(id)) {
      rank.set(target, Math.max(rank.get(target) ?? 0, (rank.get(id) ?? 0) + 1));
      const left = (indegree.get(target) ?? 0) - 1;
      indegree.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  // Steps on a cycle (an invalid draft) never become ready; they keep the rank reached so far.
  const grouped: LayoutItem[][] = [];
  for (const item of items) {
    const itemRank = rank.get(item.id) ?? 0;
    (grouped[itemRank] ??= []).push(item);
  }
  return grouped.filter((row) => row.length > 0);
}
