// Which steps a node may read: those certain to have finished before it runs. Mirrors NodeScope
// in backend/soarflow/expressions/fields.py, which the validator and the field picker share.

import { descendantsOf, enclosing, indexDocument, isTriggerId, stepById, walk } from "./graph";
import type { ContainerNode, ForeachNode, PlaybookDocument } from "./document";
import { isContainer, nodesOf } from "./document";

export interface UpstreamOptions {
  /** An until's exit condition runs after its body, so it also sees the body's steps (the
   * backend's sees_own_body, used for the until's `condition` and its field picker). */
  includeOwnBody?: boolean;
}

/** The ids of the steps certain to have run before `nodeId`, in document order: its ancestors in
 * the run-after graph, less the containers around it (they finish after it does).
 *
 * The ancestors of the enclosing containers are added explicitly. In a valid playbook they are
 * ancestors anyway (every node inside a branch hangs off the container's start edge), so this is
 * the backend's answer; for a node just dropped into a branch and not connected yet it still
 * offers what is certain to exist there, instead of nothing. */
export function upstreamSteps(document: PlaybookDocument, nodeId: string, options: UpstreamOptions = {}): string[] {
  const index = indexDocument(document);
  const node = stepById(index, nodeId);
  if (node === undefined) return [];
  const around = enclosing(index, node);
  const before = walk(index.incoming, [node.id, ...around.map((container) => container.id)]);
  for (const container of around) before.delete(container.id);
  before.delete(node.id);
  if (options.includeOwnBody === true) {
    for (const inner of descendantsOf(index, node.id)) before.add(inner.id);
  }
  // Document order, first node of each id only, never the trigger: as the backend lists steps.
  return nodesOf(document)
    .filter((step) => before.has(step.id) && index.byId.get(step.id) === step && !isTriggerId(index, step.id))
    .map((step) => step.id);
}

/** The containers around a node, innermost first. */
export function enclosingContainers(document: PlaybookDocument, nodeId: string): ContainerNode[] {
  const index = indexDocument(document);
  const node = stepById(index, nodeId);
  return node === undefined ? [] : enclosing(index, node).filter(isContainer);
}

/** The For each loops around a node, innermost first: the innermost gives `item` and `index`, each
 * one gives `items.<its id>`. An until is not among them; it has no items. */
export function enclosingLoops(document: PlaybookDocument, nodeId: string): ForeachNode[] {
  return enclosingContainers(document, nodeId).filter(
    (container): container is ForeachNode => container.kind === "foreach",
  );
}
