// Edits as pure functions from a document to a new document. Nothing is changed in place, so the
// designer's undo history is a list of documents and React can compare by reference.

import { connectionProblem } from "./connections";
import type { ConnectionProblem } from "./connections";
import {
  DEFAULT_WHEN,
  RUN_AFTER_STATUSES,
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
import type { Box, Edge, PlaybookDocument, PlaybookNode, RunAfterStatus } from "./document";
import type { XY } from "./geometry";
import { descendantsOf, indexDocument, stepById } from "./graph";
import { renameInNode } from "./references";

/** A request the document cannot honour (an unknown edge, a parent that holds no such branch):
 * a bug in the caller, not something to show the analyst. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EditError";
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A node to add: any kind, placed by addNode, with an optional preferred id. */
export type NewNode = DistributiveOmit<PlaybookNode, "id" | "parent" | "branch"> & { id?: string };

/** Where a node goes: a container's branch, or the top level when parent is left out. */
export interface Placement {
  parent?: string;
  branch?: string;
  position?: XY;
}

const MAX_ID_LENGTH = 100;

/** Adds a node with a fresh id: its own `id` if free, else one derived from its action or kind
 * (`get_ip_report`, `get_ip_report_2`, `foreach_3`...). */
export function addNode(
  document: PlaybookDocument,
  node: NewNode,
  placement: Placement = {},
): { document: PlaybookDocument; id: string } {
  checkPlacement(document, placement.parent, placement.branch);
  const id = freshId(node.id ?? idBase(node), takenIds(document));
  const added: PlaybookNode = { ...node, id };
  if (placement.parent !== undefined && placement.branch !== undefined) {
    added.parent = placement.parent;
    added.branch = placement.branch;
  }
  const next: PlaybookDocument = { ...document, nodes: [...nodesOf(document), added] };
  if (placement.position !== undefined) next.layout = { ...document.layout, [id]: { ...placement.position } };
  return { document: next, id };
}

function checkPlacement(document: PlaybookDocument, parentId: string | undefined, branch: string | undefined): void {
  if (parentId === undefined && branch === undefined) return;
  const parent = parentId === undefined ? undefined : stepById(indexDocument(document), parentId);
  if (parent === undefined || !isContainer(parent))
    throw new EditError(`'${parentId ?? ""}' is not a container of this playbook`);
  if (branch === undefined || !branchesOf(parent).includes(branch)) {
    throw new EditError(`'${parent.id}' has no branch '${branch ?? ""}' (it has: ${branchesOf(parent).join(", ")})`);
  }
}

// The action's own name reads best in expressions (steps.get_ip_report.output); control nodes
// are named after their kind.
function idBase(node: NewNode): string {
  const name = node.kind === "action" ? (node.action.split(".").pop() ?? "") : node.kind;
  const cleaned = name.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "");
  return cleaned === "" ? node.kind : cleaned;
}

/** Every id in use, the trigger's included: a node must not take it either. */
export function takenIds(document: PlaybookDocument): Set<string> {
  const taken = new Set(nodesOf(document).map((node) => node.id));
  if (document.trigger !== undefined) taken.add(document.trigger.id);
  return taken;
}

/** `base` if free, else `stem_2`, `stem_3`... where stem is base without a `_N` it already ends
 * in, so copying vt_2 gives vt_3 rather than vt_2_2. */
export function freshId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  const stem = base.replace(/_\d+$/, "") || base;
  for (let count = 2; ; count += 1) {
    const suffix = `_${count}`;
    const candidate = stem.slice(0, MAX_ID_LENGTH - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Removes nodes (the trigger too, when its id is given) with everything inside removed
 * containers, the edges that touch any of them and their layout. */
export function removeNodes(document: PlaybookDocument, ids: Iterable<string>): PlaybookDocument {
  const index = indexDocument(document);
  const gone = new Set(ids);
  for (const id of [...gone]) for (const inner of descendantsOf(index, id)) gone.add(inner.id);
  const dropTrigger = document.trigger !== undefined && gone.has(document.trigger.id);
  const nodes = nodesOf(document).filter((node) => !gone.has(node.id));
  if (!dropTrigger && nodes.length === nodesOf(document).length) return document;
  const { trigger: _trigger, ...rest } = document;
  const next: PlaybookDocument = dropTrigger ? rest : { ...document };
  next.nodes = nodes;
  next.edges = edgesOf(document).filter((edge) => !gone.has(edge.source) && !gone.has(edge.target));
  if (document.layout !== undefined) next.layout = withoutKeys(document.layout, gone);
  return next;
}

function withoutKeys<V>(map: Record<string, V>, keys: ReadonlySet<string>): Record<string, V> {
  return Object.fromEntries(Object.entries(map).filter(([key]) => !keys.has(key)));
}

/** Nodes with their content, inner edges and layout, as copy puts them on the clipboard. It is
 * plain JSON, so it can be pasted into another playbook. */
export interface Fragment {
  nodes: PlaybookNode[];
  edges: Edge[];
  layout: Record<string, Box>;
}

/** The given nodes (the trigger is never copied) with everything inside the containers among
 * them, and the edges among all of these, in document order. */
export function copyFragment(document: PlaybookDocument, ids: Iterable<string>): Fragment {
  const index = indexDocument(document);
  const chosen = new Set<string>();
  for (const id of ids) {
    if (stepById(index, id) === undefined) continue;
    chosen.add(id);
    for (const inner of descendantsOf(index, id)) chosen.add(inner.id);
  }
  const layout: Record<string, Box> = {};
  for (const id of chosen) {
    const box = entryOf(document.layout, id);
    if (box !== undefined) setEntry(layout, id, { ...box });
  }
  return {
    nodes: nodesOf(document).filter((node) => chosen.has(node.id)),
    edges: edgesOf(document).filter((edge) => chosen.has(edge.source) && chosen.has(edge.target)),
    layout,
  };
}

export interface PasteOptions {
  /** Added to the position of each pasted root (a node whose container was not copied). */
  offset?: XY;
  /** Where the roots go: a container's branch, or null for the top level. Left out, each root
   * goes back into the branch it was copied from when this document has it, else to the top. */
  into?: { parent: string; branch: string } | null;
}

export const PASTE_OFFSET: XY = { x: 40, y: 40 };

/** Adds a copy of the fragment under fresh ids: edges, parents and `steps.<id>` / `items.<id>`
 * references among the copied nodes follow the new ids; references to other steps stay. */
export function pasteSubgraph(
  document: PlaybookDocument,
  fragment: Fragment,
  options: PasteOptions = {},
): { document: PlaybookDocument; ids: string[] } {
  if (options.into != null) checkPlacement(document, options.into.parent, options.into.branch);
  const index = indexDocument(document);
  const taken = takenIds(document);
  const renames = new Map<string, string>();
  for (const node of fragment.nodes) {
    if (renames.has(node.id)) continue;
    const id = freshId(node.id, taken);
    taken.add(id);
    renames.set(node.id, id);
  }
  const offset = options.offset ?? PASTE_OFFSET;
  const layout: Record<string, Box> = { ...document.layout };
  const renamed = (id: string): string => renames.get(id) ?? id;
  const pasted = fragment.nodes.map((node) => {
    const id = renamed(node.id);
    // A node whose container came along stays in it; the others are the roots of the paste.
    const copiedParent =
      node.parent !== undefined && node.branch !== undefined && renames.has(node.parent)
        ? { parent: renamed(node.parent), branch: node.branch }
        : undefined;
    const box = entryOf(fragment.layout, node.id);
    if (box !== undefined) {
      setEntry(
        layout,
        id,
        copiedParent !== undefined ? { ...box } : { ...box, x: box.x + offset.x, y: box.y + offset.y },
      );
    }
    const where = copiedParent ?? rootPlacement(index, node, options.into);
    return renameInNode(withPlacement({ ...node, id }, where), renames);
  });
  const edges = fragment.edges
    .filter((edge) => renames.has(edge.source) && renames.has(edge.target))
    .map((edge) => ({ ...edge, source: renamed(edge.source), target: renamed(edge.target) }));
  const next: PlaybookDocument = {
    ...document,
    nodes: [...nodesOf(document), ...pasted],
    edges: [...edgesOf(document), ...edges],
  };
  if (Object.keys(layout).length > 0) next.layout = layout;
  return { document: next, ids: pasted.map((node) => node.id) };
}

function rootPlacement(
  index: ReturnType<typeof indexDocument>,
  node: PlaybookNode,
  into: PasteOptions["into"],
): { parent: string; branch: string } | undefined {
  if (into !== undefined) return into ?? undefined;
  if (node.parent === undefined || node.branch === undefined) return undefined;
  const parent = stepById(index, node.parent);
  const fits = parent !== undefined && isContainer(parent) && branchesOf(parent).includes(node.branch);
  return fits ? { parent: node.parent, branch: node.branch } : undefined;
}

/** Copies the nodes (with their content and inner edges) next to the originals. */
export function duplicateNodes(
  document: PlaybookDocument,
  ids: Iterable<string>,
  offset: XY = PASTE_OFFSET,
): { document: PlaybookDocument; ids: string[] } {
  return pasteSubgraph(document, copyFragment(document, ids), { offset });
}

export type ConnectResult =
  { ok: true; document: PlaybookDocument; key: string } | { ok: false; problem: ConnectionProblem };

/** Adds the edge source -> target (a start edge of `branch` when given), or says why not. */
export function connect(
  document: PlaybookDocument,
  source: string,
  target: string,
  branch?: string,
  when?: readonly RunAfterStatus[],
): ConnectResult {
  const problem = connectionProblem(document, source, target, branch);
  if (problem !== null) return { ok: false, problem };
  const edge: Edge = { source, target };
  if (branch !== undefined) edge.branch = branch;
  const statuses = when === undefined ? undefined : canonicalWhen(when);
  if (statuses !== undefined) edge.when = statuses;
  return { ok: true, document: { ...document, edges: [...edgesOf(document), edge] }, key: edgeKey(edge) };
}

/** Sets the statuses that let an edge's target run. The key is the canvas edge id (edgeKeys). */
export function setWhen(
  document: PlaybookDocument,
  key: string,
  statuses: readonly RunAfterStatus[],
): PlaybookDocument {
  const edges = [...edgesOf(document)];
  const position = edgeKeys(edges).indexOf(key);
  const current = position < 0 ? undefined : edges[position];
  if (current === undefined) throw new EditError(`there is no edge '${key}'`);
  if (statuses.length === 0) throw new EditError("an edge needs at least one status to let its target run");
  const { when: _when, ...edge } = current;
  const canonical = canonicalWhen(statuses);
  edges[position] = canonical === undefined ? edge : { ...edge, when: canonical };
  return { ...document, edges };
}

// Statuses once each, in the canvas's order; undefined for the default (succeeded alone), which
// the document spells by leaving `when` out.
function canonicalWhen(statuses: readonly RunAfterStatus[]): RunAfterStatus[] | undefined {
  const chosen = RUN_AFTER_STATUSES.filter((status) => statuses.includes(status));
  const isDefault = chosen.length === DEFAULT_WHEN.length && chosen.every((status) => DEFAULT_WHEN.includes(status));
  return isDefault ? undefined : chosen;
}

/** Removes edges by their canvas ids (edgeKeys); unknown keys are ignored. */
export function removeEdges(document: PlaybookDocument, edgeIds: Iterable<string>): PlaybookDocument {
  const gone = new Set(edgeIds);
  const edges = edgesOf(document);
  const keys = edgeKeys(edges);
  const kept = edges.filter((_edge, position) => !gone.has(keys[position] as string));
  return kept.length === edges.length ? document : { ...document, edges: kept };
}

/** Stores new positions (relative to each node's lane, as React Flow reports them). */
export function moveNodes(document: PlaybookDocument, positions: Readonly<Record<string, XY>>): PlaybookDocument {
  const layout = { ...document.layout };
  for (const [id, { x, y }] of Object.entries(positions)) setEntry(layout, id, { ...entryOf(layout, id), x, y });
  return { ...document, layout };
}

/** The node (with its content) moved into another branch, or to the top level when the
 * placement names no parent, at the placement's position. Its own edges are dropped: they joined
 * it to neighbours it no longer has, and an edge may not cross containers. */
export function moveToBranch(document: PlaybookDocument, id: string, placement: Placement): PlaybookDocument {
  checkPlacement(document, placement.parent, placement.branch);
  const index = indexDocument(document);
  const node = stepById(index, id);
  if (node === undefined) throw new EditError(`'${id}' is not a step of this playbook`);
  const inside = new Set([id, ...descendantsOf(index, id).map((inner) => inner.id)]);
  if (placement.parent !== undefined && inside.has(placement.parent)) {
    throw new EditError(`'${id}' cannot go inside itself`);
  }
  const where =
    placement.parent === undefined || placement.branch === undefined
      ? undefined
      : { parent: placement.parent, branch: placement.branch };
  const next: PlaybookDocument = {
    ...document,
    nodes: nodesOf(document).map((candidate) => (candidate.id === id ? withPlacement(candidate, where) : candidate)),
    edges: edgesOf(document).filter((edge) => edge.source !== id && edge.target !== id),
  };
  if (placement.position !== undefined) {
    const layout = { ...document.layout };
    setEntry(layout, id, { ...entryOf(layout, id), ...placement.position });
    next.layout = layout;
  }
  return next;
}
