// An indexed, read-only view of a document: nodes by id, containment and the run-after graph.
// Mirrors backend/soarflow/playbook/graph.py (PlaybookGraph), including how it tolerates broken
// documents: the designer edits drafts that do not validate yet and must never crash on them.

import { edgesOf, nodesOf } from "./document";
import type { PlaybookDocument, PlaybookNode, TriggerSpec } from "./document";

export interface DocumentIndex {
  readonly trigger: TriggerSpec | undefined;
  /** First node with each id. An id the trigger also uses belongs to the trigger, as in the
   * backend's by_id, so such a node is in neither this map nor the run-after graph's steps. */
  readonly byId: ReadonlyMap<string, PlaybookNode>;
  /** Position of each id in the document: the trigger first, then nodes in order. */
  readonly order: ReadonlyMap<string, number>;
  /** Run-after edges whose ends both exist, less edges into the trigger (the backend's digraph). */
  readonly outgoing: ReadonlyMap<string, readonly string[]>;
  readonly incoming: ReadonlyMap<string, readonly string[]>;
  /** Nodes by their `parent` id, in document order, whatever their branch. */
  readonly children: ReadonlyMap<string, readonly PlaybookNode[]>;
}

// Documents are treated as immutable, so one index per document object serves every question the
// canvas asks while the user hovers a handle (isValidConnection runs on each pointer move).
const cache = new WeakMap<PlaybookDocument, DocumentIndex>();

export function indexDocument(document: PlaybookDocument): DocumentIndex {
  const cached = cache.get(document);
  if (cached !== undefined) return cached;
  const built = buildIndex(document);
  cache.set(document, built);
  return built;
}

function buildIndex(document: PlaybookDocument): DocumentIndex {
  const trigger = document.trigger;
  const byId = new Map<string, PlaybookNode>();
  const order = new Map<string, number>();
  if (trigger !== undefined) order.set(trigger.id, 0);
  const children = new Map<string, PlaybookNode[]>();
  for (const node of nodesOf(document)) {
    if (!order.has(node.id)) {
      order.set(node.id, order.size);
      byId.set(node.id, node);
    }
    if (node.parent !== undefined) push(children, node.parent, node);
  }
  const outgoing = new Map<string, string[]>();
  const incoming = new Map<string, string[]>();
  for (const edge of edgesOf(document)) {
    if (!order.has(edge.source) || !order.has(edge.target) || edge.target === trigger?.id) continue;
    push(outgoing, edge.source, edge.target);
    push(incoming, edge.target, edge.source);
  }
  return { trigger, byId, order, outgoing, incoming, children };
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

export function isTriggerId(index: DocumentIndex, id: string): boolean {
  return index.trigger !== undefined && index.trigger.id === id;
}

/** The node with this id, unless the id is the trigger's or unknown. */
export function stepById(index: DocumentIndex, id: string): PlaybookNode | undefined {
  return isTriggerId(index, id) ? undefined : index.byId.get(id);
}

/** The nodes around a node through `parent`, innermost first; stops at a missing or looping
 * parent. Like the backend it walks through a parent that is not a container (a problem the
 * validator reports on its own), so callers that want containers only filter with isContainer. */
export function enclosing(index: DocumentIndex, node: PlaybookNode): PlaybookNode[] {
  const found: PlaybookNode[] = [];
  const seen = new Set([node.id]);
  let parentId = node.parent;
  while (parentId !== undefined && !seen.has(parentId)) {
    const parent = stepById(index, parentId);
    if (parent === undefined) break;
    found.push(parent);
    seen.add(parentId);
    parentId = parent.parent;
  }
  return found;
}

/** Every id from which `id` can be reached along run-after edges. */
export function ancestors(index: DocumentIndex, id: string): Set<string> {
  return walk(index.incoming, [id]);
}

/** Every id reachable from the starts along run-after edges (the starts only if on a loop). */
export function walk(adjacency: ReadonlyMap<string, readonly string[]>, starts: readonly string[]): Set<string> {
  const found = new Set<string>();
  const stack = [...starts];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const next of adjacency.get(current) ?? []) {
      if (found.has(next)) continue;
      found.add(next);
      stack.push(next);
    }
  }
  return found;
}

/** True when the run-after graph leads from `from` to `to` (a path of at least one edge). */
export function reaches(index: DocumentIndex, from: string, to: string): boolean {
  return walk(index.outgoing, [from]).has(to);
}

/** Every node inside a container, at any depth (following `parent`, guarding against loops). */
export function descendantsOf(index: DocumentIndex, containerId: string): PlaybookNode[] {
  const found: PlaybookNode[] = [];
  const seen = new Set([containerId]);
  const stack = [containerId];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const child of index.children.get(current) ?? []) {
      if (seen.has(child.id)) continue;
      seen.add(child.id);
      found.push(child);
      stack.push(child.id);
    }
  }
  return found;
}
