// Auto-layout with elkjs (layered, top to bottom), one scope at a time from the innermost out:
// the steps of each branch are laid out inside their lane, containers then grow around them
// (graph/geometry.ts) and are laid out with their siblings as boxes of that size.

import type { ELK, ElkNode } from "elkjs/lib/elk-api";
import { edgesOf, entryOf, setEntry } from "../graph/document";
import type { Box, PlaybookDocument } from "../graph/document";
import { toFlow } from "../graph/flow";
import type { FlowNode } from "../graph/flow";
import { LANE_ORIGIN, TOP_ORIGIN } from "../graph/geometry";
import { documentIdOf } from "./canvasModel";

// elkjs is large (about 1.4 MB): fetched the first time someone asks for a layout.
let engine: Promise<ELK> | null = null;

function elk(): Promise<ELK> {
  engine ??= import("elkjs/lib/elk.bundled.js").then(({ default: Elk }) => new Elk());
  return engine;
}

const LAYOUT_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.spacing.nodeNode": "48",
  "elk.layered.spacing.nodeNodeBetweenLayers": "64",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.padding": "[top=0,left=0,bottom=0,right=0]",
};

const ROOT = "";

interface Scope {
  /** The lane's canvas id, or ROOT. */
  id: string;
  depth: number;
  members: FlowNode[];
}

// The flow's steps by the scope (lane) drawing them, each scope with its nesting depth.
function scopesOf(nodes: readonly FlowNode[]): Scope[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  // A lane sits in a container, which sits in a lane or at the top: one level per lane.
  const depthOf = (scopeId: string): number => {
    if (scopeId === ROOT) return 0;
    const container = byId.get(byId.get(scopeId)?.parentId ?? ROOT);
    return 1 + depthOf(container?.parentId ?? ROOT);
  };
  const scopes = new Map<string, Scope>();
  for (const node of nodes) {
    if (node.type === "lane") continue;
    const id = node.parentId ?? ROOT;
    const scope = scopes.get(id) ?? { id, depth: depthOf(id), members: [] };
    scope.members.push(node);
    scopes.set(id, scope);
  }
  return [...scopes.values()];
}

/** The document with every step placed by the layered layout; the user's container sizes are
 * dropped so containers fit what they hold, collapsed containers stay collapsed. */
export async function autoLayout(document: PlaybookDocument): Promise<PlaybookDocument> {
  const layout: Record<string, Box> = {};
  for (const [id, box] of Object.entries(document.layout ?? {})) {
    const { w: _w, h: _h, ...kept } = box;
    setEntry(layout, id, kept);
  }
  let current: PlaybookDocument = { ...document, layout };
  const scopes = scopesOf(toFlow(current).nodes);
  const deepest = Math.max(0, ...scopes.map((scope) => scope.depth));
  for (let depth = deepest; depth >= 0; depth -= 1) {
    // Sizes as drawn now: containers already hold their laid-out content.
    const drawn = new Map(toFlow(current).nodes.map((node) => [node.id, node]));
    const next: Record<string, Box> = { ...current.layout };
    for (const scope of scopes.filter((candidate) => candidate.depth === depth)) {
      const placed = await layoutScope(scope, drawn, current);
      const origin = scope.id === ROOT ? TOP_ORIGIN : LANE_ORIGIN;
      for (const [id, position] of placed) {
        setEntry(next, id, { ...entryOf(next, id), x: origin.x + position.x, y: origin.y + position.y });
      }
    }
    current = { ...current, layout: next };
  }
  return current;
}

async function layoutScope(
  scope: Scope,
  drawn: ReadonlyMap<string, FlowNode>,
  document: PlaybookDocument,
): Promise<Map<string, { x: number; y: number }>> {
  const ids = new Map<string, string>();
  const children: ElkNode[] = [];
  for (const member of scope.members) {
    const id = documentIdOf(member);
    if (id === null || ids.has(id)) continue;
    ids.set(id, member.id);
    const node = drawn.get(member.id) ?? member;
    children.push({ id, width: node.width ?? 0, height: node.height ?? 0 });
  }
  const edges = edgesOf(document)
    .filter((edge) => edge.branch === undefined && ids.has(edge.source) && ids.has(edge.target))
    .map((edge, position) => ({ id: `e${position}`, sources: [edge.source], targets: [edge.target] }));
  const result = await (await elk()).layout({ id: "scope", layoutOptions: LAYOUT_OPTIONS, children, edges });
  const placed = new Map<string, { x: number; y: number }>();
  for (const child of result.children ?? []) placed.set(child.id, { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) });
  return placed;
}
